# CMake toolchain file: the mbuftrace tool cross-built on Debian for
# FreeBSD 15.1 amd64, static, with Debian's clang/lld 19 against a FreeBSD
# world sysroot (usr/include with c++/v1, usr/lib/*.a, crt*.o), e.g. the
# tmp/ of run.sh's world build.  kernel/vm/freebsd-tool.sh uses it:
#   cmake -S . -B B -DCMAKE_TOOLCHAIN_FILE=kernel/vm/freebsd-amd64.cmake \
#       -DMBT_FREEBSD_SYSROOT=/path/to/amd64.amd64/tmp ...
set(CMAKE_SYSTEM_NAME FreeBSD)
set(CMAKE_SYSTEM_VERSION 15.1)
set(CMAKE_SYSTEM_PROCESSOR amd64)

# try_compile() projects read this file again: pass the settings on.
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MBT_FREEBSD_SYSROOT MBT_LLVM_BIN)
if(NOT MBT_FREEBSD_SYSROOT)
  message(FATAL_ERROR "freebsd-amd64.cmake: set -DMBT_FREEBSD_SYSROOT=DIR "
    "(a FreeBSD 15.1 amd64 world: DIR/usr/include, DIR/usr/lib/libc.a)")
endif()
if(NOT MBT_LLVM_BIN)
  set(MBT_LLVM_BIN /usr/lib/llvm-19/bin)
endif()

set(CMAKE_SYSROOT ${MBT_FREEBSD_SYSROOT})
set(triple x86_64-unknown-freebsd15.1)
# The compilers from LLVM's own bin directory, as run.sh does: there
# -fuse-ld=lld finds lld 19 (Debian's /usr/bin/ld.lld may be another one).
set(CMAKE_C_COMPILER ${MBT_LLVM_BIN}/clang)
set(CMAKE_CXX_COMPILER ${MBT_LLVM_BIN}/clang++)
set(CMAKE_C_COMPILER_TARGET ${triple})
set(CMAKE_CXX_COMPILER_TARGET ${triple})
set(CMAKE_AR ${MBT_LLVM_BIN}/llvm-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${MBT_LLVM_BIN}/llvm-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP ${MBT_LLVM_BIN}/llvm-strip CACHE FILEPATH "")

set(CMAKE_CXX_FLAGS_INIT "-stdlib=libc++")
# A static executable: the image has no run-time linker nor shared libraries.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -static -stdlib=libc++")

# Headers and libraries only from the sysroot, programs only from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
# pkg-config sees the sysroot's .pc files, not Debian's (the base system
# has no libpcap.pc: tool/CMakeLists.txt then finds the library itself).
set(ENV{PKG_CONFIG_LIBDIR} ${MBT_FREEBSD_SYSROOT}/usr/libdata/pkgconfig)
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${MBT_FREEBSD_SYSROOT})
set(ENV{PKG_CONFIG_PATH} "")
# -pthread: libthr, not the stubs in libc.a.
set(THREADS_PREFER_PTHREAD_FLAG ON)
