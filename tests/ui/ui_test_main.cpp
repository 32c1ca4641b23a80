// main() of test_ui: runs every registered test class (see ui_test_registry.h) in registration
// order, each against its own QApplication-wide state, and fails if any of them fails.
#include <QApplication>
#include <QtTest>

#include <algorithm>

#include "tests/ui/ui_test_registry.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    app.setAttribute(Qt::AA_Use96Dpi, true);
    const QStringList only = qEnvironmentVariable("PASTICHE_UI_TESTS").split(',', Qt::SkipEmptyParts);
    auto tests = pastiche::uitest::registry();
    // Static registration order across files is unspecified: run in name order for repeatability.
    std::sort(tests.begin(), tests.end(), [](const auto& a, const auto& b) { return qstrcmp(a.name, b.name) < 0; });
    int failed = 0;
    for (const auto& test : tests) {
        if (!only.isEmpty() && !only.contains(QLatin1String(test.name))) continue;
        // Pending* classes test work not merged yet, Screenshot* ones want Xvfb: only when named.
        if (only.isEmpty() && (QByteArray(test.name).startsWith("Pending") || QByteArray(test.name).startsWith("Screenshot")))
            continue;
        auto object = test.create();
        failed += QTest::qExec(object.get(), argc, argv) != 0 ? 1 : 0;
    }
    return failed;
}
