"""Pack dataset folders into small tar shards to train on a remote GPU machine.

A GPU machine that can be lent for a few minutes often takes only a few tens of megabytes per call, so
the training data must travel in shards: ``python -m roadinspect.training.pack DATA... --out DIR``
re-encodes every image as WebP (lossy, ``--quality``; the training photos are JPEGs already) and keeps
every mask as a lossless PNG, then writes ``DIR/shard-00.tar``, ``shard-01.tar``... each under
``--max-mb``. Every shard holds whole (image, mask) pairs under ``<dataset name>/images`` and
``<dataset name>/masks`` plus each dataset's ``roadinspect-dataset.json`` (the classes it annotates), so
the shards extracted into one folder give dataset folders that ``roadinspect train`` and ``evaluate``
read as they read the originals, with the same validation split (it depends on folder and file names
only, see ``data.split``).

On the GPU machine::

    mkdir -p /tmp/data && tar -xf shard-00.tar -C /tmp/data   # one shard per call
    roadinspect train --data /tmp/data/* --device cuda --out runs/gpu ...
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from roadinspect.core.progress import CancelCheck, Progress
from roadinspect.training.data import open_dataset

DEFAULT_MAX_MB = 48.0
DEFAULT_QUALITY = 90


@dataclass
class PackResult:
    """What :func:`pack_datasets` wrote: the shard files, pairs per dataset, bytes before and after, and
    whether it was cancelled (the shards then hold only the pairs counted in ``pairs``)."""

    shards: list[Path]
    pairs: dict[str, int]
    source_bytes: int
    packed_bytes: int
    cancelled: bool = False


def _encode_image(path: Path, quality: int) -> bytes:
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    buffer = io.BytesIO()
    rgb.save(buffer, format="WEBP", quality=quality, method=4)
    return buffer.getvalue()


def _encode_mask(path: Path) -> bytes:
    with Image.open(path) as mask:
        if mask.mode not in ("L", "P"):
            raise ValueError(f"{path}: a mask must be a single-channel 8-bit PNG, not {mask.mode}")
        buffer = io.BytesIO()
        mask.save(buffer, format="PNG", optimize=True)  # lossless: labels are kept exactly
    return buffer.getvalue()


class _ShardWriter:
    """Writes members into ``shard-NN.tar`` files, starting a new one before a shard would exceed its limit."""

    def __init__(self, out: Path, max_bytes: int) -> None:
        self.out, self.max_bytes = out, max_bytes
        self.shards: list[Path] = []
        self._tar: tarfile.TarFile | None = None
        self._size = 0
        self.header: list[tuple[str, bytes]] = []
        """Members written at the start of every shard opened from now on (the dataset's declaration)."""

    def _open(self) -> None:
        self.close()
        path = self.out / f"shard-{len(self.shards):02d}.tar"
        self.shards.append(path)
        self._tar = tarfile.open(path, "w")  # closed by close()
        self._size = 1024  # end-of-archive blocks

    @staticmethod
    def _file_size(content: int) -> int:
        """The archive's size on disk: tarfile pads it to whole records (``tarfile.RECORDSIZE``)."""
        return -(-content // tarfile.RECORDSIZE) * tarfile.RECORDSIZE

    @staticmethod
    def _size_of(members: Sequence[tuple[str, bytes]]) -> int:
        return sum(512 + -(-len(data) // 512) * 512 for _, data in members)  # header block + padded data

    def declare(self, header: Sequence[tuple[str, bytes]]) -> None:
        """Start a dataset: ``header`` (its declaration) goes into the current shard if it fits, else the
        next shard opens with it, and every later shard starts with it too."""
        self.header = list(header)
        if self._tar is not None:
            if self._file_size(self._size + self._size_of(self.header)) <= self.max_bytes:
                self.write(self.header)
            else:
                self.close()  # the next add() opens a shard, header first

    def add(self, members: Sequence[tuple[str, bytes]]) -> None:
        """Add ``(name, data)`` members together (never split across shards)."""
        size = self._size_of(members)
        if self._file_size(size + self._size_of(self.header) + 1024) > self.max_bytes:
            raise ValueError(f"{members[0][0]}: {size / 1e6:.1f} MB does not fit in a shard of "
                             f"{self.max_bytes / 1e6:.1f} MB")
        if self._tar is None or self._file_size(self._size + size) > self.max_bytes:
            self._open()
            self.write(self.header)
        self.write(members)

    def write(self, members: Sequence[tuple[str, bytes]]) -> None:
        """Write members into the current shard (``add`` and ``declare`` check the size first)."""
        assert self._tar is not None
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            self._tar.addfile(info, io.BytesIO(data))
        self._size += self._size_of(members)

    def close(self) -> None:
        """Finish the current shard."""
        if self._tar is not None:
            self._tar.close()
            self._tar = None


def pack_datasets(folders: Iterable[Path], out: Path, *, max_mb: float = DEFAULT_MAX_MB,
                  quality: int = DEFAULT_QUALITY, progress: Progress = lambda *a: None,
                  is_cancelled: CancelCheck = lambda: False) -> PackResult:
    """Pack dataset folders (``images/``, ``masks/``) into tar shards of at most ``max_mb`` MB in ``out``.

    Raises:
        FileNotFoundError: a folder is not a dataset folder.
        FileExistsError: ``out`` already holds shards (they would be mixed with the new ones).
        ValueError: a mask that is not single-channel, or one pair larger than a shard.
    """
    infos = [open_dataset(Path(f)) for f in folders]
    names = [i.name for i in infos]
    if len(set(names)) != len(names):
        raise ValueError(f"two dataset folders have the same name: {names}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.glob("shard-*.tar")):
        raise FileExistsError(f"{out} already holds shard-*.tar files: choose an empty folder")
    writer = _ShardWriter(out, int(max_mb * 1e6))
    result = PackResult([], {}, 0, 0)
    total, done = sum(len(i.stems) for i in infos), 0
    try:
        for info in infos:
            declared = {"annotated": sorted(c.name.lower() for c in info.annotated)}
            writer.declare([(f"{info.name}/roadinspect-dataset.json", json.dumps(declared).encode())])
            for stem in info.stems:
                if is_cancelled():
                    result.cancelled = True
                    break
                image_path, mask_path = info.image_path(stem), info.mask_path(stem)
                result.source_bytes += image_path.stat().st_size + mask_path.stat().st_size
                writer.add([(f"{info.name}/images/{stem}.webp", _encode_image(image_path, quality)),
                            (f"{info.name}/masks/{stem}.png", _encode_mask(mask_path))])
                result.pairs[info.name] = result.pairs.get(info.name, 0) + 1
                done += 1
                progress(done, total, f"{info.name}/{stem}")
            if result.cancelled:
                break
    finally:
        writer.close()
    result.shards = writer.shards
    result.packed_bytes = sum(p.stat().st_size for p in result.shards)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m roadinspect.training.pack DATA... --out DIR [--max-mb N] [--quality Q]``."""
    parser = argparse.ArgumentParser(prog="python -m roadinspect.training.pack", description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="+", type=Path, help="dataset folders (images/, masks/)")
    parser.add_argument("--out", required=True, type=Path, help="folder for the shard-NN.tar files (empty)")
    parser.add_argument("--max-mb", type=float, default=DEFAULT_MAX_MB,
                        help="largest shard, MB (default 48: beside a checkout of about 12 MB it travels in one "
                             "64 MiB call)")
    parser.add_argument("--quality", type=int, default=DEFAULT_QUALITY, help="WebP quality of the images (default 90)")
    args = parser.parse_args(argv)
    from roadinspect.console import TerminalProgress

    bar = TerminalProgress("Packing", unit="pairs")
    try:
        result = pack_datasets(args.data, args.out, max_mb=args.max_mb, quality=args.quality, progress=bar)
    except (OSError, ValueError) as exc:
        print(f"pack: error: {exc}", file=sys.stderr)
        return 2
    finally:
        bar.close()
    for shard in result.shards:
        print(f"{shard}: {shard.stat().st_size / 1e6:.1f} MB")
    pairs = ", ".join(f"{n} {k}" for k, n in result.pairs.items())
    print(f"{sum(result.pairs.values())} pairs ({pairs}); {result.source_bytes / 1e6:.1f} MB -> "
          f"{result.packed_bytes / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
