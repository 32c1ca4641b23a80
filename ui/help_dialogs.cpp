#include "ui/help_dialogs.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace pastiche::ui {

QDialog* createShortcutsDialog(const QList<ShortcutHelp>& shortcuts, QWidget* parent) {
    auto* dialog = new QDialog(parent);
    dialog->setObjectName("shortcutsDialog");
    dialog->setWindowTitle(QObject::tr("Keyboard shortcuts"));
    auto* table = new QTableWidget(int(shortcuts.size()), 2, dialog);
    table->setObjectName("shortcutsTable");
    table->setHorizontalHeaderLabels({QObject::tr("Keys"), QObject::tr("Action")});
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    for (int i = 0; i < shortcuts.size(); ++i) {
        table->setItem(i, 0, new QTableWidgetItem(shortcuts[i].keys));
        table->setItem(i, 1, new QTableWidgetItem(shortcuts[i].action));
    }
    table->resizeColumnsToContents();
    table->horizontalHeader()->setStretchLastSection(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(table);
    layout->addWidget(buttons);
    dialog->resize(460, 420);
    return dialog;
}

QString aboutText() {
    return QObject::tr(
               "<h2>Pastiche %1</h2>"
               "<p>Repaints live video in the style of any picture.</p>"
               "<p><b>Model:</b> Magenta arbitrary image stylization (style prediction and transfer networks, "
               "TensorFlow Lite export), licensed under the <b>Apache License 2.0</b>.</p>"
               "<p><b>Credits:</b> Golnaz Ghiasi, Honglak Lee, Manjunath Kudlur, Vincent Dumoulin, Jonathon Shlens: "
               "<i>Exploring the structure of a real-time, arbitrary neural artistic stylization network</i>, "
               "BMVC 2017 (Ghiasi et al. 2017); the Magenta project (Google) for the trained models and the "
               "bundled style images.</p>"
               "<p>Built with Qt %2, FFmpeg, OpenCV and Vulkan.</p>")
        .arg(QStringLiteral(PASTICHE_VERSION), QString::fromLatin1(qVersion()));
}

QDialog* createAboutDialog(QWidget* parent) {
    auto* dialog = new QDialog(parent);
    dialog->setObjectName("aboutDialog");
    dialog->setWindowTitle(QObject::tr("About Pastiche"));
    auto* icon = new QLabel(dialog);
    icon->setPixmap(QIcon(":/icons/pastiche-256.png").pixmap(96, 96));
    auto* text = new QLabel(aboutText(), dialog);
    text->setObjectName("aboutText");
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextBrowserInteraction);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(icon, 0, Qt::AlignHCenter);
    layout->addWidget(text);
    layout->addWidget(buttons);
    dialog->resize(480, 420);
    return dialog;
}

}  // namespace pastiche::ui
