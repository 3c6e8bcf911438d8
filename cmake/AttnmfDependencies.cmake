# Every dependency comes from the system (Debian packages on a workstation, environment modules on
# a cluster). Nothing is downloaded at configure or build time.
find_package(MPI REQUIRED COMPONENTS CXX)
find_package(Boost 1.71 REQUIRED COMPONENTS program_options serialization)
find_package(spdlog REQUIRED)
find_package(Threads REQUIRED)
# zlib: the journal's CRC-32 (HDF5 depends on it anyway).
find_package(ZLIB REQUIRED)
# libdeflate (Debian: libdeflate-dev): the compressed samples of a sweep file, in the zlib format of
# HDF5's deflate filter, made twice as fast as zlib makes them (io/sample_chunks.hpp). Linked by
# path, so that the installed package needs no find module for it.
find_path(ATTNMF_LIBDEFLATE_INCLUDE_DIR libdeflate.h)
find_library(ATTNMF_LIBDEFLATE_LIBRARY deflate)
if(NOT ATTNMF_LIBDEFLATE_INCLUDE_DIR OR NOT ATTNMF_LIBDEFLATE_LIBRARY)
  message(FATAL_ERROR "attnmf needs libdeflate (Debian: libdeflate-dev; tools/install-deps.sh installs it)")
endif()
# Eigen (header-only): the eigenvalues of a monodromy matrix (dynamics/floquet.cpp), a general real
# eigenproblem that is not worth writing again.
find_package(Eigen3 3.3 REQUIRED NO_MODULE)

# HDF5 must be the MPI-parallel build: a sweep writes one file from every rank. Debian ships it as
# hdf5-openmpi (pkg-config), found that way by default; with -DATTNMF_HDF5_PKG_CONFIG=OFF, or where
# pkg-config does not know it (clusters' modules), CMake's FindHDF5 is asked for the parallel flavour.
# ATTNMF_HDF5_PROVIDER records which, for the installed package config to find it the same way.
option(ATTNMF_HDF5_PKG_CONFIG "Look for parallel HDF5 with pkg-config (hdf5-openmpi) first" ON)
if(ATTNMF_HDF5_PKG_CONFIG)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(HDF5_OPENMPI QUIET IMPORTED_TARGET hdf5-openmpi)
  endif()
endif()
add_library(attnmf_hdf5 INTERFACE)
if(HDF5_OPENMPI_FOUND)
  target_link_libraries(attnmf_hdf5 INTERFACE PkgConfig::HDF5_OPENMPI)
  set(ATTNMF_HDF5_PROVIDER pkg-config)
  message(STATUS "attnmf: parallel HDF5 from pkg-config hdf5-openmpi ${HDF5_OPENMPI_VERSION}")
else()
  set(HDF5_PREFER_PARALLEL TRUE)
  find_package(HDF5 REQUIRED COMPONENTS C)
  if(NOT HDF5_IS_PARALLEL)
    message(FATAL_ERROR "attnmf needs HDF5 built with MPI (Debian: libhdf5-openmpi-dev)")
  endif()
  # The libraries and include directories FindHDF5 found, as paths rather than its HDF5::HDF5 target:
  # a project using the installed attnmf then links the very HDF5 attnmf was built with, without
  # running FindHDF5 again (which would need the C language enabled in that project).
  target_include_directories(attnmf_hdf5 INTERFACE ${HDF5_C_INCLUDE_DIRS})
  target_compile_definitions(attnmf_hdf5 INTERFACE ${HDF5_C_DEFINITIONS})
  target_link_libraries(attnmf_hdf5 INTERFACE ${HDF5_C_LIBRARIES})
  set(ATTNMF_HDF5_PROVIDER FindHDF5)
  message(STATUS "attnmf: parallel HDF5 ${HDF5_VERSION} from CMake's FindHDF5")
endif()
