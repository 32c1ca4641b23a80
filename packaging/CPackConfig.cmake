# CPack: a Debian package with the binary (shaders embedded), desktop entry, icons and man page.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "pastiche")
set(CPACK_PACKAGE_VENDOR "Pastiche")
set(CPACK_PACKAGE_CONTACT "Pastiche developers <pastiche@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Live neural style transfer for webcams and video (Vulkan / CPU)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "graphics")
# The shared libraries the binary links (its NEEDED entries) become dependencies through
# dpkg-shlibdeps; what it needs without linking is listed by hand: a Vulkan driver (the loader
# libvulkan1 finds ICDs at run time) and curl (`models fetch` downloads with it).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "mesa-vulkan-drivers | vulkan-icd, curl")
include(CPack)
