#include "ui/notice_banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

namespace pastiche::ui {

NoticeBanner::NoticeBanner(QWidget* parent) : QWidget(parent) {
    setObjectName("noticeBanner");
    setAttribute(Qt::WA_StyledBackground);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 6, 6);
    icon_ = new QLabel(this);
    text_ = new QLabel(this);
    text_->setObjectName("noticeText");
    text_->setWordWrap(true);
    text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    text_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    actions_ = new QHBoxLayout;
    close_ = new QPushButton(tr("Close"), this);
    close_->setObjectName("noticeClose");
    close_->setToolTip(tr("Hide this message"));
    layout->addWidget(icon_, 0, Qt::AlignTop);
    layout->addWidget(text_, 1);
    layout->addLayout(actions_);
    layout->addWidget(close_, 0, Qt::AlignTop);
    connect(close_, &QPushButton::clicked, this, [this] {
        hide();
        emit dismissed();
    });
    hide();
}

void NoticeBanner::show(NoticeLevel level, NoticeTopic topic, const QString& message, const QList<NoticeAction>& actions) {
    level_ = level;
    topic_ = topic;
    // Fixed colours with enough contrast in light and dark palettes alike.
    const char* css = level == NoticeLevel::Error     ? "background: #b3261e; color: white;"
                      : level == NoticeLevel::Warning ? "background: #f9a825; color: black;"
                                                      : "background: #2e6fbd; color: white;";
    setStyleSheet(QString("#noticeBanner { %1 } #noticeBanner QLabel { %1 }").arg(css));
    const auto pixmap = level == NoticeLevel::Error     ? QStyle::SP_MessageBoxCritical
                        : level == NoticeLevel::Warning ? QStyle::SP_MessageBoxWarning
                                                        : QStyle::SP_MessageBoxInformation;
    icon_->setPixmap(style()->standardIcon(pixmap).pixmap(22, 22));
    text_->setText(message);
    while (QLayoutItem* item = actions_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const NoticeAction& action : actions) {
        auto* button = new QPushButton(action.label, this);
        auto run = action.run;
        connect(button, &QPushButton::clicked, this, [run] { run(); });
        actions_->addWidget(button, 0, Qt::AlignTop);
    }
    QWidget::show();
}

void NoticeBanner::clear(NoticeTopic topic) {
    if (topic_ == topic) hide();
}

QString NoticeBanner::message() const { return isHidden() ? QString() : text_->text(); }

}  // namespace pastiche::ui
