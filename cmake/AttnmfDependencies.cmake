# Every dependency comes from the system (Debian packages on a workstation, environment modules on
# a cluster). Nothing is downloaded at configure or build time.
find_package(MPI REQUIRED COMPONENTS CXX)
find_package(Boost 1.71 REQUIRED COMPONENTS program_options serialization)
find_package(spdlog REQUIRED)
find_package(Threads REQUIRED)
# zlib: the journal's CRC-32 (HDF5 depends on it anyway).
find_package(ZLIB REQUIRED)

# HDF5 must be the MPI-parallel build: a sweep writes one file from every rank. Debian ships it as
# hdf5-openmpi (pkg-config); elsewhere FindHDF5 is asked for the parallel flavour.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(HDF5_OPENMPI QUIET IMPORTED_TARGET hdf5-openmpi)
endif()
add_library(attnmf_hdf5 INTERFACE)
if(HDF5_OPENMPI_FOUND)
  target_link_libraries(attnmf_hdf5 INTERFACE PkgConfig::HDF5_OPENMPI)
  message(STATUS "attnmf: parallel HDF5 from pkg-config hdf5-openmpi ${HDF5_OPENMPI_VERSION}")
else()
  set(HDF5_PREFER_PARALLEL TRUE)
  find_package(HDF5 REQUIRED COMPONENTS C)
  if(NOT HDF5_IS_PARALLEL)
    message(FATAL_ERROR "attnmf needs HDF5 built with MPI (Debian: libhdf5-openmpi-dev)")
  endif()
  target_link_libraries(attnmf_hdf5 INTERFACE HDF5::HDF5)
endif()
