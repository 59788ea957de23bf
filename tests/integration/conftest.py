# SPDX-License-Identifier: MIT
"""Fixtures for the daemon's integration tests (root, network namespaces,
a real ptp4l grandmaster). See netns.py for the helpers themselves.

Environment:
  TBLK_BIN      the daemon (default $TBLK_BUILD/tblk-ptp-sidecar, where
                TBLK_BUILD is the make B= directory, default build/)
  TBLK_TCLIENT  the C test client (default tools/tclient next to TBLK_BIN)
  CI=true       a missing daemon, tool or package fails the test instead of
                skipping it (make check builds and installs all of them)

The tools (tclient, ptpstorm, fakenic.so) are built by the Makefile
(`make tools`, `make asan`), never by the tests.
"""

import os
import shutil
import subprocess
import tempfile

import pytest

import netns

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

_FIGURES = pytest.StashKey()


def pytest_configure(config):
    config.stash[_FIGURES] = []
    config.addinivalue_line(
        "markers", "bench: a timing figure for `make bench`, no bound "
        "(make integration deselects them)")
    config.addinivalue_line(
        "markers", "plain: run by make integration only, not again by "
        "make integration-asan: what it checks is the network's, ptp4l's "
        "or the build's view, the same for both binaries, and the daemon "
        "paths it drives run under ASan in other tests")


def pytest_collection_modifyitems(config, items):
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="integration tests need root "
                            "(network namespaces, ports 319/320)")
    for item in items:
        item.add_marker(skip)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so fixtures can tell, at
    # teardown, whether the test failed and the daemon's stderr matters.
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    figs = config.stash.get(_FIGURES, [])
    if not figs:
        return
    terminalreporter.section("figures observed")
    for test, name, value in figs:
        terminalreporter.write_line("%s: %s = %s" % (test, name, value))


@pytest.fixture
def figure(request):
    """figure(name, value): report a measured figure in the summary."""
    def record(name, value):
        request.config.stash[_FIGURES].append(
            (request.node.name, name, value))
    return record


@pytest.fixture(scope="session")
def daemon_bin():
    build = os.environ.get("TBLK_BUILD", os.path.join(REPO, "build"))
    path = os.environ.get("TBLK_BIN",
                          os.path.join(build, "tblk-ptp-sidecar"))
    path = os.path.abspath(path)
    netns.need("the daemon %s (make)" % path, os.access(path, os.X_OK))
    r = subprocess.run([path, "--version"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=10)
    if netns.not_built(r.stdout, r.returncode):
        pytest.skip("daemon not built yet: %s exits 70 (%s)" %
                    (path, r.stdout.strip()))
    return path


@pytest.fixture(scope="session")
def tclient_bin(daemon_bin):
    path = os.environ.get("TBLK_TCLIENT") or \
        netns.built_tool(daemon_bin, os.path.join("tools", "tclient"))
    return netns.need("tools/tclient", path)


@pytest.fixture(scope="session")
def storm_tool(daemon_bin):
    """tests/tools/ptpstorm, built by `make tools`."""
    return netns.need("tools/ptpstorm", netns.storm_bin(daemon_bin))


@pytest.fixture(scope="session")
def shim(daemon_bin):
    """tests/shim/fakenic.so, built by `make tools`."""
    return netns.need("fakenic.so", netns.fakenic_so(daemon_bin))


@pytest.fixture(scope="session")
def asan(daemon_bin):
    """The daemon under test is the ASan+UBSan build."""
    return netns.is_asan(daemon_bin)


@pytest.fixture(scope="module")
def tmpbase():
    """A private directory for the module, traversable by nobody (the daemon
    may run as nobody and must reach its socket and NOTIFY_SOCKET)."""
    d = tempfile.mkdtemp(prefix="tblk-integ-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def workdir(tmpbase, request):
    d = tempfile.mkdtemp(prefix=request.node.name[:40].replace("/", "_")
                         + "-", dir=tmpbase)
    os.chmod(d, 0o755)
    return d


@pytest.fixture(scope="module")
def netpair():
    pair = netns.NetPair()
    try:
        pair.create()
        yield pair
    finally:
        pair.destroy()


@pytest.fixture(scope="module")
def grandmaster(netpair, tmpbase):
    gm = netns.grandmaster(netpair, tmpbase).start()
    try:
        if not gm.wait_log("assuming the grand master role", 20):
            pytest.fail("ptp4l grandmaster did not take the GM role:\n" +
                        gm.output()[-2000:])
        yield gm
    finally:
        gm.stop()


@pytest.fixture
def nobody_dir(workdir):
    """A directory the nobody user (65534) can write: its socket goes there
    when a test runs the daemon with --user nobody."""
    d = os.path.join(workdir, "run")
    os.mkdir(d, 0o755)
    os.chown(d, 65534, 65534)
    return d


@pytest.fixture
def notify(workdir):
    listener = netns.NotifyListener(os.path.join(workdir, "notify.sock"))
    yield listener
    listener.close()


@pytest.fixture
def sidecar(request, daemon_bin, netpair, workdir):
    """Factory: sidecar(*extra_args, ...) as Launcher.start. Every instance
    is stopped at teardown; its stderr is printed when the test failed."""
    launcher = netns.Launcher(daemon_bin, netpair, workdir)
    yield launcher.start
    rep = getattr(request.node, "rep_call", None)
    launcher.finish(rep is not None and rep.failed)
