// Fetching the models from inside the app: on a first run without them Pastiche asks in plain
// words; "Not now" leaves a "Fetch models and styles…" button in the empty gallery and the same
// item in the Help menu. The fetch (copy from a local ../shared or download, verified by sha256)
// runs in a worker thread while a progress dialog shows which file and how far.
#pragma once

#include <QString>

class QWidget;

namespace pastiche::ui {

// True when the models the app needs (transfer and style networks) are present in modelsDir.
bool modelsPresent(const QString& modelsDir, QString* missing = nullptr);
// The first-run question; true if the user wants them fetched now.
bool askToFetchModels(const QString& modelsDir, QWidget* parent);
// Fetches with a progress dialog; empty on success, else the error for the user.
QString fetchModelsWithProgress(const QString& modelsDir, QWidget* parent);

}  // namespace pastiche::ui
