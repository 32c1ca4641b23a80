// First run without models: ask, then fetch them (copy from ../shared or download, verified by
// sha256) in a worker thread while a progress dialog shows which file and how far.
#pragma once

#include <QString>

class QWidget;

namespace pastiche::ui {

// True when the models the app needs (transfer and style networks) are present in modelsDir.
bool modelsPresent(const QString& modelsDir, QString* missing = nullptr);
// Asks the user and fetches; true if the models are present afterwards.
bool offerModelFetch(const QString& modelsDir, QWidget* parent = nullptr);

}  // namespace pastiche::ui
