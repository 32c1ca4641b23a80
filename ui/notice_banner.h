// A strip above the picture that says what went wrong (or what Pastiche did instead) in full,
// and stays until the user closes it or the problem is gone: errors must not vanish with a
// status-bar timeout or be overwritten by the next "Backend: …" message. It can carry buttons
// that fix the problem ("Open another source…").
#pragma once

#include <QList>
#include <QString>
#include <QWidget>

#include <functional>

class QHBoxLayout;
class QLabel;
class QPushButton;

namespace pastiche::ui {

enum class NoticeLevel { Info, Warning, Error };

// What a notice is about: a new notice replaces the shown one of the same topic, and
// clear(topic) removes it when the problem is solved (the source opened after all).
enum class NoticeTopic { Source, Style, Backend, Capture, Models, Other };

struct NoticeAction {
    QString label;
    std::function<void()> run;
};

class NoticeBanner : public QWidget {
    Q_OBJECT
public:
    explicit NoticeBanner(QWidget* parent = nullptr);

    void show(NoticeLevel level, NoticeTopic topic, const QString& message, const QList<NoticeAction>& actions = {});
    void clear(NoticeTopic topic);  // hides the banner if it shows a notice of that topic
    QString message() const;
    NoticeLevel level() const { return level_; }
    NoticeTopic topic() const { return topic_; }
    bool isShowing() const { return !isHidden(); }

signals:
    void dismissed();

private:
    QLabel* icon_;
    QLabel* text_;
    QHBoxLayout* actions_;
    QPushButton* close_;
    NoticeLevel level_ = NoticeLevel::Info;
    NoticeTopic topic_ = NoticeTopic::Other;
};

}  // namespace pastiche::ui
