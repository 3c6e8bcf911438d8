#!/usr/bin/env bash
# Installs the Debian packages attnmf needs to build, test and plot; does nothing when they are all
# present. Run as root (or with sudo available). On a cluster, load the equivalent modules instead
# (a C++20 compiler, CMake >= 3.20, Open MPI, parallel HDF5, Boost, spdlog, libdeflate, Eigen, GoogleTest).
#   tools/install-deps.sh           what building, running and plotting need
#   tools/install-deps.sh --tests   and what the whole test suite needs besides (the aarch64 cross
#                                   compiler of tests/install; the SLURM tests install SLURM themselves)
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools
  libboost-program-options-dev libboost-serialization-dev libboost-random-dev
  libspdlog-dev libdeflate-dev libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-h5py python3-matplotlib
  python3-xarray python3-h5netcdf python3-netcdf4 python3-dask
)
case ${1:-} in
  "") ;;
  --tests) packages+=(g++-aarch64-linux-gnu) ;;
  *) echo "usage: $0 [--tests]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
