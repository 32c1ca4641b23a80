// Source ▸ Stylize video file…: pick a video, a style, the processing and output sizes and where
// to write it; Start runs the export (the same engine as `pastiche stylize`, sound kept) with a
// progress bar and the time left; Cancel stops it and keeps the frames written so far.
#pragma once

#include <QDialog>

#include "app/session/file_job.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSlider;

namespace pastiche::controllers {
class ExportJob;
class StyleLibrary;
}  // namespace pastiche::controllers

namespace pastiche::ui {

struct ExportDefaults {
    QString modelsDir;
    QString backend = "auto";
    QString outputFolder;  // where a new export goes unless the user picks another place
    int styleIndex = -1;   // the style chosen in the main window
    double strength = 1.0;
};

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    ExportDialog(controllers::StyleLibrary* library, const ExportDefaults& defaults, QWidget* parent = nullptr);

    void setInput(const QString& path);          // also proposes an output path beside the exports
    void setOutput(const QString& path);
    void setStyle(int index);
    void setProcessingSize(const QString& size);  // "native" | N
    void setOutputSize(const QString& size);      // "native" | N
    session::FileJobOptions options() const;
    void start();
    bool isRunning() const;
    QString statusText() const;

signals:
    void exported(const QString& path);  // finished successfully

protected:
    void reject() override;  // Close while running asks to cancel first

private:
    void chooseInput();
    void chooseOutput();
    void showProgress(qint64 done, qint64 total, double fps, double eta);
    void finish(const QString& output, qint64 frames, double seconds, const QString& error, const QString& description);
    void setRunning(bool running);

    controllers::StyleLibrary* library_;
    ExportDefaults defaults_;
    controllers::ExportJob* job_;
    QLineEdit* input_;
    QLineEdit* output_;
    QComboBox* style_;
    QSlider* strength_;
    QComboBox* processing_;
    QComboBox* outputSize_;
    QProgressBar* progress_;
    QLabel* status_;
    QPushButton* start_;
    QPushButton* cancel_;
    QList<QWidget*> settingsWidgets_;
};

}  // namespace pastiche::ui
