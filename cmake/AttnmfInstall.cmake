include(CMakePackageConfigHelpers)
install(TARGETS attnmf_core attnmf_warnings attnmf_sanitizers attnmf_hdf5
        EXPORT attnmfTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS attnmf RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/attnmf DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/generated/attnmf/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/attnmf)
install(EXPORT attnmfTargets NAMESPACE attnmf:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attnmf)
configure_package_config_file(cmake/attnmfConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/attnmfConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attnmf)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/attnmfConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/attnmfConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/attnmfConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attnmf)
