#include "tests/ui/ui_image_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace pastiche::uitest {

QImage rgb(const QImage& image) { return image.convertToFormat(QImage::Format_RGB888); }

double meanAbsDiff(const QImage& a, const QImage& b) {
    if (a.size() != b.size() || a.isNull()) return -1;
    const QImage x = rgb(a), y = rgb(b);
    double sum = 0;
    for (int r = 0; r < x.height(); ++r) {
        const uchar* p = x.constScanLine(r);
        const uchar* q = y.constScanLine(r);
        for (int i = 0; i < x.width() * 3; ++i) sum += std::abs(int(p[i]) - int(q[i]));
    }
    return sum / (double(x.width()) * x.height() * 3);
}

double psnr(const QImage& a, const QImage& b) {
    if (a.size() != b.size() || a.isNull()) return -1;
    const QImage x = rgb(a), y = rgb(b);
    double sq = 0;
    for (int r = 0; r < x.height(); ++r) {
        const uchar* p = x.constScanLine(r);
        const uchar* q = y.constScanLine(r);
        for (int i = 0; i < x.width() * 3; ++i) sq += double(int(p[i]) - int(q[i])) * (int(p[i]) - int(q[i]));
    }
    const double mse = sq / (double(x.width()) * x.height() * 3);
    return mse == 0 ? std::numeric_limits<double>::infinity() : 10 * std::log10(255.0 * 255.0 / mse);
}

double stddev(const QImage& image) {
    const QImage x = rgb(image);
    double sum = 0, sq = 0;
    const double n = double(x.width()) * x.height() * 3;
    for (int r = 0; r < x.height(); ++r) {
        const uchar* p = x.constScanLine(r);
        for (int i = 0; i < x.width() * 3; ++i) {
            sum += p[i];
            sq += double(p[i]) * p[i];
        }
    }
    const double mean = sum / n;
    return std::sqrt(std::max(0.0, sq / n - mean * mean));
}

}  // namespace pastiche::uitest
