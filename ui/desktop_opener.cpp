#include "ui/desktop_opener.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDesktopServices>
#include <QFileInfo>
#include <QUrl>

namespace pastiche::ui {

bool DesktopOpener::open(const QString& path) { return QDesktopServices::openUrl(QUrl::fromLocalFile(path)); }

bool DesktopOpener::showInFolder(const QString& path) {
    // The freedesktop file-manager interface selects the file (Nautilus, Dolphin, Nemo, Thunar…).
    QDBusMessage call = QDBusMessage::createMethodCall("org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                                                       "org.freedesktop.FileManager1", "ShowItems");
    call << QStringList{QUrl::fromLocalFile(path).toString()} << QString();
    const QDBusMessage reply = QDBusConnection::sessionBus().call(call, QDBus::Block, 3000);
    if (reply.type() == QDBusMessage::ReplyMessage) return true;
    return open(QFileInfo(path).absolutePath());  // no such service: at least the folder
}

}  // namespace pastiche::ui
