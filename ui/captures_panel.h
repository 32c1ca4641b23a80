// Recent stills and recordings (newest first, remembered across runs): the last saved path
// stays visible, a double-click opens a capture, and "Show in folder" / "Open folder" take the
// user to the files.
#pragma once

#include <QStringList>
#include <QWidget>

#include "app/controllers/capture_paths.h"

class QLabel;
class QListWidget;
class QPushButton;

namespace pastiche::ui {

class DesktopOpener;

class CapturesPanel : public QWidget {
    Q_OBJECT
public:
    CapturesPanel(const controllers::CapturePaths& paths, DesktopOpener* opener, QWidget* parent = nullptr);

    void addCapture(const QString& path, controllers::CaptureKind kind);  // newest first
    void setRecent(const QStringList& paths);  // restores; files that are gone are left out
    QStringList recent() const;
    QString lastSaved() const;
    QListWidget* list() const { return list_; }

signals:
    void recentChanged(const QStringList& paths);

private:
    QString selectedPath() const;
    void updateButtons();

    const controllers::CapturePaths& paths_;
    DesktopOpener* opener_;
    QLabel* last_;
    QListWidget* list_;
    QPushButton* open_;
    QPushButton* show_;
};

}  // namespace pastiche::ui
