#include "engine/replace_file.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace pastiche {

Status replaceFile(const std::string& path, std::string_view bytes) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), std::streamsize(bytes.size()));
        if (!out.flush()) {
            out.close();
            std::remove(tmp.c_str());
            return Status::io("cannot write " + tmp);
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        return Status::io("cannot replace " + path);
    }
    return Status::ok();
}

}  // namespace pastiche
