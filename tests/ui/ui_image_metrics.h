// Image metrics shared by the GUI tests: comparisons of rendered or captured frames.
#pragma once

#include <QImage>

namespace pastiche::uitest {

QImage rgb(const QImage& image);                          // RGB888 copy
double meanAbsDiff(const QImage& a, const QImage& b);     // per channel, 0..255; -1 if sizes differ
double psnr(const QImage& a, const QImage& b);            // dB; inf if identical; -1 if sizes differ
double stddev(const QImage& image);                       // over all channels: ~0 for a blank image

}  // namespace pastiche::uitest
