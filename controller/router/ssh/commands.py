"""Every command frr-edge runs on a router: fixed argument vectors, who runs them, and the sudo rules.

Files frr-edge uploads live in one working directory of the login user (`~/frr-edge`), which that user can
write. No command that reads one of them runs as root: root would follow a symlink or an nft `include` the
user planted to any file and quote its lines in an error. vtysh and frr-reload.py run as the login user, who
reaches FRR's vty sockets through the `frrvty` group, as FRR intends. nft runs through sudo and setpriv as
the login user with CAP_NET_ADMIN only. Only `write memory`, which reads nothing the user wrote, runs as root.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.api.router import FRRSettings
from controller.render.nft import TABLE

NFT = "/usr/sbin/nft"
SETPRIV = "/usr/bin/setpriv"
FLOCK = "/usr/bin/flock"
TEE = "/usr/bin/tee"
WORKDIR_NAME = "frr-edge"

CANDIDATE_FRR = "candidate.frr"
APPLIED_FRR = "applied.frr"  # the rendered text of the last good apply; read and written over SFTP only
ROLLBACK_FRR = "rollback.frr"
DELTA = "delta.vtysh"
CANDIDATE_NFT = "candidate.nft"
APPLIED_NFT = "applied.nft"
ROLLBACK_NFT = "rollback.nft"
DELTA_NFT = "delta.nft"
LOCK = "lock"  # flock(1) target; the lock lives with the process holding it, never with the file
WRITING = "writing"  # flock(1) target held by each command that changes the router, for as long as it runs
LOCK_HOLDER = "lock.holder"  # who holds the lock, written by the holder once it has it
INTENT = "intent.frr"  # the rendered text an apply is writing; present only while an apply is unfinished
LOCK_BUSY = 75  # flock's exit status when the lock stayed taken for the whole wait
# A set every ruleset frr-edge renders has, and rarely fills: listing it says at once whether frr-edge's table
# is there, where listing the table reads every element (about a second at 100,000).
PRESENCE_SET = "bfd_echo_v6"


@dataclass(frozen=True, slots=True)
class Command:
    """One command line: `argv` runs as the login user, or through `sudo -n` when `sudo` (a rule allows it).

    `guard`: a file the command holds a flock(1) on while it runs, as the login user, outside sudo. A command
    that changes the router keeps running when its SSH session is cut; the next writer waits for it there.
    """

    argv: tuple[str, ...]
    sudo: bool = False
    guard: str | None = None

    @property
    def line(self) -> list[str]:
        """The argument vector the login shell gets (quote it with shlex.join)."""
        line = ["sudo", "-n", *self.argv] if self.sudo else list(self.argv)
        return [FLOCK, self.guard, *line] if self.guard else line


@dataclass(frozen=True, slots=True)
class RouterCommands:
    """The commands for one router, given where FRR lives, the login user and its working directory.

    `user` is also the name of the user's own group (useradd's default), which nft runs with.
    """

    frr: FRRSettings
    workdir: str
    user: str

    def path(self, name: str) -> str:
        return f"{self.workdir}/{name}"

    def _vtysh(self, *arguments: str) -> tuple[str, ...]:
        pathspace = ("-N", self.frr.pathspace) if self.frr.pathspace else ()
        return (self.frr.vtysh_path, *pathspace, *arguments)

    def _reload(self, name: str) -> Command:
        # --stdout: log to the output, not /var/log/frr; --rundir: its temporary files go where the user writes.
        pathspace = ("--pathspace", self.frr.pathspace) if self.frr.pathspace else ()
        options = ("--stdout", "--rundir", self.workdir)
        return Command((self.frr.reload_path, "--reload", *pathspace, *options, self.path(name)), guard=self.writing)

    def _nft(self, *arguments: str, write: bool = False) -> Command:
        # The login user with CAP_NET_ADMIN and nothing else: it opens files only as the user may.
        owner = (f"--reuid={self.user}", f"--regid={self.user}", "--clear-groups")
        caps = ("--inh-caps=-all,+net_admin", "--ambient-caps=-all,+net_admin", "--bounding-set=-all,+net_admin")
        argv = (SETPRIV, *owner, *caps, "--no-new-privs", NFT, *arguments)
        return Command(argv, sudo=True, guard=self.writing if write else None)

    @property
    def writing(self) -> str:
        return self.path(WRITING)

    @property
    def show_running(self) -> Command:
        return Command(self._vtysh("-c", "show running-config"))

    @property
    def show_sessions(self) -> Command:
        return Command(self._vtysh("-c", "show bgp vrf all summary json"))

    @property
    def check_frr(self) -> Command:
        return Command(self._vtysh("-C", "-f", self.path(CANDIDATE_FRR)))

    @property
    def apply_delta(self) -> Command:
        return Command(self._vtysh("-f", self.path(DELTA)), guard=self.writing)

    @property
    def save_frr(self) -> Command:
        return Command(self._vtysh("-c", "write memory"), sudo=True, guard=self.writing)

    @property
    def reload_frr(self) -> Command:
        return self._reload(CANDIDATE_FRR)

    @property
    def rollback_frr(self) -> Command:
        return self._reload(ROLLBACK_FRR)

    @property
    def check_nft(self) -> Command:
        return self._nft("-c", "-f", self.path(CANDIDATE_NFT))

    @property
    def apply_nft(self) -> Command:
        return self._nft("-f", self.path(CANDIDATE_NFT), write=True)

    @property
    def rollback_nft(self) -> Command:
        return self._nft("-f", self.path(ROLLBACK_NFT), write=True)

    @property
    def apply_nft_delta(self) -> Command:
        return self._nft("-f", self.path(DELTA_NFT), write=True)

    @property
    def find_nft_table(self) -> Command:
        return self._nft("list", "set", "inet", TABLE, PRESENCE_SET)

    @property
    def show_nft(self) -> Command:
        return self._nft("list", "table", "inet", TABLE)

    def lock(self, wait: float) -> Command:
        """Take the router lock, waiting up to `wait` seconds, and hold it while `tee` copies its input.

        As the login user, no sudo. `tee` starts once flock has the lock: the first line sent (who holds it)
        goes to `lock.holder` for waiting writers to name, and back as the sign that the lock is held. The
        lock is released when `tee` ends: when frr-edge closes its input, or when the SSH channel or
        connection goes (the holder died), since sshd then closes the pipe. Not in `all()`: it is held open.
        """
        busy = ("--conflict-exit-code", str(LOCK_BUSY))
        return Command(
            (FLOCK, "--exclusive", "--wait", f"{wait:g}", *busy, self.path(LOCK), TEE, self.path(LOCK_HOLDER))
        )

    @property
    def show_running_settled(self) -> Command:
        """`show running-config` once no change a cut-off session left running is still going (Command.guard)."""
        return Command(self._vtysh("-c", "show running-config"), guard=self.writing)

    def all(self) -> list[Command]:
        """Every command frr-edge may run on this router."""
        return [
            self.show_running,
            self.show_sessions,
            self.check_frr,
            self.apply_delta,
            self.save_frr,
            self.reload_frr,
            self.rollback_frr,
            self.check_nft,
            self.apply_nft,
            self.rollback_nft,
            self.apply_nft_delta,
            self.show_nft,
            self.find_nft_table,
        ]


def _sudoers_word(word: str) -> str:
    # sudoers treats these as syntax inside a command line; a backslash makes them literal.
    for special in ("\\", ",", ":", "=", "!", "(", ")"):
        word = word.replace(special, "\\" + special)
    return word


def sudoers(user: str, commands: RouterCommands) -> str:
    """A sudoers file allowing `user` exactly frr-edge's sudo commands, without a password."""
    lines = [
        f"# frr-edge: the commands user {user} may run through sudo; nothing else.",
        f'Defaults:{user} !requiretty, env_reset, secure_path="/usr/sbin:/usr/bin:/sbin:/bin"',
    ]
    for command in commands.all():
        if command.sudo:
            lines.append(f"{user} ALL=(root) NOPASSWD: {' '.join(_sudoers_word(word) for word in command.argv)}")
    return "\n".join(lines) + "\n"
