"""Every command frr-edge runs on a router: fixed argument vectors, and the sudo rules that allow exactly them.

Files frr-edge uploads live in one working directory of the login user (`~/frr-edge`); the commands name
them by absolute path, so a sudo rule can allow `nft -f <that file>` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.api.router import FRRSettings
from controller.render.nft import TABLE

NFT = "/usr/sbin/nft"
WORKDIR_NAME = "frr-edge"

CANDIDATE_FRR = "candidate.frr"
APPLIED_FRR = "applied.frr"  # the rendered text of the last good apply; read and written over SFTP only
ROLLBACK_FRR = "rollback.frr"
DELTA = "delta.vtysh"
CANDIDATE_NFT = "candidate.nft"
APPLIED_NFT = "applied.nft"
ROLLBACK_NFT = "rollback.nft"


@dataclass(frozen=True, slots=True)
class RouterCommands:
    """The argument vectors for one router, given where FRR lives and frr-edge's working directory."""

    frr: FRRSettings
    workdir: str

    def path(self, name: str) -> str:
        return f"{self.workdir}/{name}"

    def _vtysh(self, *arguments: str) -> list[str]:
        pathspace = ["-N", self.frr.pathspace] if self.frr.pathspace else []
        return [self.frr.vtysh_path, *pathspace, *arguments]

    def _reload(self, name: str) -> list[str]:
        pathspace = ["--pathspace", self.frr.pathspace] if self.frr.pathspace else []
        return [self.frr.reload_path, "--reload", *pathspace, self.path(name)]

    @property
    def show_running(self) -> list[str]:
        return self._vtysh("-c", "show running-config")

    @property
    def show_sessions(self) -> list[str]:
        return self._vtysh("-c", "show bgp vrf all summary json")

    @property
    def check_frr(self) -> list[str]:
        return self._vtysh("-C", "-f", self.path(CANDIDATE_FRR))

    @property
    def apply_delta(self) -> list[str]:
        return self._vtysh("-f", self.path(DELTA))

    @property
    def save_frr(self) -> list[str]:
        return self._vtysh("-c", "write memory")

    @property
    def reload_frr(self) -> list[str]:
        return self._reload(CANDIDATE_FRR)

    @property
    def rollback_frr(self) -> list[str]:
        return self._reload(ROLLBACK_FRR)

    @property
    def check_nft(self) -> list[str]:
        return [NFT, "-c", "-f", self.path(CANDIDATE_NFT)]

    @property
    def apply_nft(self) -> list[str]:
        return [NFT, "-f", self.path(CANDIDATE_NFT)]

    @property
    def rollback_nft(self) -> list[str]:
        return [NFT, "-f", self.path(ROLLBACK_NFT)]

    @property
    def show_nft(self) -> list[str]:
        return [NFT, "list", "table", "inet", TABLE]

    def all(self) -> list[list[str]]:
        """Every command frr-edge may run as root on this router."""
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
            self.show_nft,
        ]


def _sudoers_word(word: str) -> str:
    # sudoers treats these as syntax inside a command line; a backslash makes them literal.
    for special in ("\\", ",", ":", "=", "!", "(", ")"):
        word = word.replace(special, "\\" + special)
    return word


def sudoers(user: str, commands: RouterCommands) -> str:
    """A sudoers file allowing `user` exactly frr-edge's commands, as root, without a password."""
    lines = [
        f"# frr-edge: the commands user {user} may run as root; nothing else.",
        f'Defaults:{user} !requiretty, env_reset, secure_path="/usr/sbin:/usr/bin:/sbin:/bin"',
    ]
    for argv in commands.all():
        command = " ".join(_sudoers_word(word) for word in argv)
        lines.append(f"{user} ALL=(root) NOPASSWD: {command}")
    return "\n".join(lines) + "\n"
