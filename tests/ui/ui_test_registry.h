// One test_ui binary runs several Qt Test classes, each with its own MainWindow: every test file
// registers its class here (PASTICHE_UI_TEST), and ui_test_main.cpp runs them in turn.
// PASTICHE_UI_TESTS=TestA,TestB runs only those classes (Qt Test arguments such as a test
// function name then apply to each of them).
#pragma once

#include <QObject>

#include <functional>
#include <memory>
#include <vector>

namespace pastiche::uitest {

struct Registration {
    const char* name;
    std::function<std::unique_ptr<QObject>()> create;
};

inline std::vector<Registration>& registry() {
    static std::vector<Registration> tests;
    return tests;
}

struct Register {
    Register(const char* name, std::function<std::unique_ptr<QObject>()> create) {
        registry().push_back({name, std::move(create)});
    }
};

}  // namespace pastiche::uitest

#define PASTICHE_UI_TEST(Class) \
    static ::pastiche::uitest::Register registerUiTest##Class(#Class, [] { return std::make_unique<Class>(); })
