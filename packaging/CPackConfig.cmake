# CPack: a Debian package with the binary (shaders embedded), desktop entry and icons.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "pastiche")
set(CPACK_PACKAGE_VENDOR "Pastiche")
set(CPACK_PACKAGE_CONTACT "Pastiche developers <pastiche@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Live neural style transfer for webcams and video (Vulkan / CPU)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "graphics")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
# Runtime libraries by Debian package name (Debian 12).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libc6, libstdc++6, libqt6widgets6, libqt6gui6, libqt6core6, libvulkan1, mesa-vulkan-drivers | vulkan-icd, libopencv-core406, libopencv-imgproc406, libopencv-imgcodecs406, libopencv-videoio406, libavformat59, libavcodec59, libavutil57, libswscale6, libswresample4, libdnnl2, curl")
include(CPack)
