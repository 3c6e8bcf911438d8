# `cmake --install build --prefix P` gives what an HPC user expects of a package:
#   P/bin/attnmf, P/bin/attnmf-plot
#   P/lib/python3/dist-packages/attnmf   the Python package (ATTNMF_PYTHON_INSTALL_DIR, cmake/AttnmfPython.cmake)
#   P/share/attnmf/jobs/   the paper's job files, the checkpoint window they start from, the
#                          workstation and SLURM scripts (an installed job file runs as it is)
#   P/share/doc/attnmf/    README and docs/
#   P/include/attnmf/, P/lib/libattnmf_core.a and a CMake package:
#     find_package(attnmf) then target_link_libraries(x PRIVATE attnmf::core)
include(CMakePackageConfigHelpers)
install(TARGETS attnmf_core ${ATTNMF_MODULE_TARGETS} attnmf_warnings attnmf_sanitizers attnmf_hdf5
        EXPORT attnmfTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS attnmf RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(PROGRAMS ${CMAKE_CURRENT_BINARY_DIR}/generated/attnmf-plot DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY python/attnmf DESTINATION ${ATTNMF_PYTHON_INSTALL_DIR} PATTERN __pycache__ EXCLUDE)
install(DIRECTORY include/attnmf DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/generated/attnmf/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/attnmf)

install(FILES jobs/paper-trajectory.ini jobs/fig3a.ini jobs/fig3b.ini jobs/paper_checkpoint_window.txt
        DESTINATION ${CMAKE_INSTALL_DATADIR}/attnmf/jobs)
install(PROGRAMS jobs/run-workstation.sh jobs/slurm-sweep.sbatch jobs/slurm-chain.sh
        DESTINATION ${CMAKE_INSTALL_DATADIR}/attnmf/jobs)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")

# The package config finds attnmf's dependencies again, HDF5 the way this build found it.
set(ATTNMF_HDF5_PROVIDER "${ATTNMF_HDF5_PROVIDER}")
install(EXPORT attnmfTargets NAMESPACE attnmf:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attnmf)
configure_package_config_file(cmake/attnmfConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/attnmfConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attnmf)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/attnmfConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/attnmfConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/attnmfConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attnmf)
