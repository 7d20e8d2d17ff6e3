"""tshark with the project's plugin, as the tests need it.

tshark run as root ignores personal plugins (and WIRESHARK_PLUGIN_DIR), and
CI runs as root: so the plugin goes into a throw-away HOME and, when root,
tshark runs as uid/gid 65534 with that HOME.  Inputs are copied into the
sandbox, because the build tree may not be readable by uid 65534.

Wireshark loads a global plugin before a personal one of the same name, so
an mbuftrace plugin installed system-wide (./setup.sh as root) would be the
one under test, and would answer in a HOME meant to be without it.  The
sandbox therefore points WIRESHARK_PLUGIN_DIR (honoured when unprivileged)
at a mirror of the global plugin folder without mbuftrace's plugins.
"""
import os
import re
import shutil
import subprocess
import tempfile


class TsharkSandbox:
    """plugin: a plugin .so to install under its own name, or None for a
    HOME without plugins."""

    def __init__(self, plugin, tshark="tshark", prefix="mbt-tshark-"):
        self.tshark = tshark
        ver = subprocess.run([tshark, "-v"], capture_output=True,
                             text=True).stdout
        m = re.search(r"(\d+)\.(\d+)\.\d+", ver)
        if not m:
            raise RuntimeError("cannot tell the version of %s" % tshark)
        self.ver = "%s.%s" % (m.group(1), m.group(2))
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.home = os.path.join(self.tmp, "home")
        pdir = os.path.join(self.home, ".local/lib/wireshark/plugins",
                            self.ver, "epan")
        os.makedirs(pdir)
        if plugin:
            shutil.copy(plugin, os.path.join(pdir, os.path.basename(plugin)))
        self.files = os.path.join(self.tmp, "files")
        os.makedirs(self.files)
        self.plugin_dir = self._mirror_global_plugins()
        self._open_up()

    def _mirror_global_plugins(self):
        return mirror_global_plugins(self.tshark,
                                     os.path.join(self.tmp, "global-plugins"))

    def _open_up(self):
        os.chmod(self.tmp, 0o755)
        for root, dirs, files in os.walk(self.tmp):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        os.chmod(self.home, 0o777)  # tshark writes its profile dirs here

    def add(self, path):
        """Copies path into the sandbox; returns the copy's path."""
        dst = os.path.join(self.files, os.path.basename(path))
        shutil.copy(path, dst)
        os.chmod(dst, 0o644)
        return dst

    def command(self, *argv):
        """The command line and environment that run tshark argv here."""
        cmd = [self.tshark] + list(argv)
        env = dict(os.environ, HOME=self.home)
        env.pop("WIRESHARK_PLUGIN_DIR", None)
        if self.plugin_dir:
            env["WIRESHARK_PLUGIN_DIR"] = self.plugin_dir
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=65534", "--regid=65534",
                   "--clear-groups", "env", "HOME=" + self.home] + cmd
        return cmd, env

    def run(self, *argv, text=True):
        cmd, env = self.command(*argv)
        return subprocess.run(cmd, capture_output=True, text=text, env=env,
                              cwd=self.tmp)

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def mirror_global_plugins(tshark, mirror):
    """Makes mirror a copy (symlinks) of tshark's global plugin folder
    without any mbuftrace plugin, for WIRESHARK_PLUGIN_DIR; returns it, or
    None when tshark names no global plugin folder."""
    out = subprocess.run([tshark, "-G", "folders"],
                         capture_output=True, text=True).stdout
    m = re.search(r"^Global Plugins:\s*(\S.*)$", out, re.M)
    if not m:
        return None
    versioned = m.group(1).strip()
    base = os.path.dirname(versioned)

    def keep(name):
        return not name.startswith("mbuftrace")

    def link_tree(src, dst):
        os.makedirs(dst, exist_ok=True)
        if not os.path.isdir(src):
            return
        for name in os.listdir(src):
            s, d = os.path.join(src, name), os.path.join(dst, name)
            if os.path.isdir(s) and not os.path.islink(s):
                link_tree(s, d)
            elif keep(name):
                os.symlink(s, d)
    # The base holds global Lua plugins; the versioned folder binaries.
    os.makedirs(mirror)
    if os.path.isdir(base):
        for name in os.listdir(base):
            s = os.path.join(base, name)
            if not os.path.isdir(s) and keep(name):
                os.symlink(s, os.path.join(mirror, name))
    link_tree(versioned, os.path.join(mirror, os.path.basename(versioned)))
    return mirror


if __name__ == "__main__":
    # For shell scripts (plugin/doc/screenshot.sh): tshark_sandbox.py
    # --mirror DIR makes DIR the plugin folder to give WIRESHARK_PLUGIN_DIR.
    import sys
    if len(sys.argv) != 3 or sys.argv[1] != "--mirror":
        sys.exit("usage: tshark_sandbox.py --mirror DIR")
    mirror_global_plugins("tshark", sys.argv[2])
