// Help ▸ Keyboard shortcuts and Help ▸ About: what the keys do, and the version, the model's
// licence and its credits.
#pragma once

#include <QDialog>
#include <QList>
#include <QString>

namespace pastiche::ui {

struct ShortcutHelp {
    QString keys;    // "Space"
    QString action;  // "Save a still"
};

// The table of shortcuts; MainWindow passes the list it binds, so the two cannot drift apart.
QDialog* createShortcutsDialog(const QList<ShortcutHelp>& shortcuts, QWidget* parent);
QDialog* createAboutDialog(QWidget* parent);
QString aboutText();  // the About dialog's rich text (version, licence, credits)

}  // namespace pastiche::ui
