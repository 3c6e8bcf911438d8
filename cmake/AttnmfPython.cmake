# The Python package attnmf (python/attnmf: open_sweep, open_trajectory, attnmf.plot) and the
# attnmf-plot command over it, laid out in the build tree as an install lays them out:
#   build/python/attnmf     a link to the source tree's package   (PYTHONPATH=build/python)
#   build/bin/attnmf-plot   tools/attnmf-plot, which finds the package at ../python
# and installed as
#   PREFIX/ATTNMF_PYTHON_INSTALL_DIR/attnmf   (default lib/python3/dist-packages: on Debian's
#                                              sys.path for the prefix /usr)
#   PREFIX/bin/attnmf-plot                    the same script, told where that is
set(ATTNMF_PYTHON_INSTALL_DIR "lib/python3/dist-packages" CACHE STRING
    "Where cmake --install puts the Python package attnmf: relative to the prefix, or absolute")

file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/python ${PROJECT_BINARY_DIR}/bin ${PROJECT_BINARY_DIR}/generated)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/python/attnmf ${PROJECT_BINARY_DIR}/python/attnmf SYMBOLIC)
# Copied at configure time; an edit of tools/attnmf-plot configures again on the next build.
configure_file(${PROJECT_SOURCE_DIR}/tools/attnmf-plot ${PROJECT_BINARY_DIR}/bin/attnmf-plot COPYONLY)

# The installed script looks for the package where the install puts it, relative to bin/ so that the
# prefix may move (cmake --install --prefix P, a copied tree).
if(IS_ABSOLUTE "${ATTNMF_PYTHON_INSTALL_DIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}")
  get_filename_component(_attnmf_python_dir "${ATTNMF_PYTHON_INSTALL_DIR}" ABSOLUTE BASE_DIR "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _attnmf_python_dir "/prefix/${CMAKE_INSTALL_BINDIR}" "/prefix/${ATTNMF_PYTHON_INSTALL_DIR}")
endif()
file(READ ${PROJECT_SOURCE_DIR}/tools/attnmf-plot _attnmf_plot)
set(_attnmf_package_line [[PACKAGE_DIRS = ("../python", "../lib/python3/dist-packages")]])
string(FIND "${_attnmf_plot}" "${_attnmf_package_line}" _attnmf_at)
if(_attnmf_at EQUAL -1)
  message(FATAL_ERROR "tools/attnmf-plot has no line '${_attnmf_package_line}' for the install to rewrite "
                      "(cmake/AttnmfPython.cmake looks for it)")
endif()
string(REPLACE "${_attnmf_package_line}" "PACKAGE_DIRS = (\"${_attnmf_python_dir}\",)" _attnmf_plot "${_attnmf_plot}")
file(WRITE ${PROJECT_BINARY_DIR}/generated/attnmf-plot "${_attnmf_plot}")
