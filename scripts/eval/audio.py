"""Small audio helpers for the evaluation set: WAV reading and writing, and running sox,
ffmpeg, fluidsynth and espeak-ng on numpy arrays. Arrays are float64, shape (frames,
channels), full scale = 1.0, always at RATE."""

import os
import sys
import struct
import subprocess
import tempfile

import numpy as np

RATE = 48000
SAMPLES_DIRS = [
    "/usr/share/sonic-pi/samples",
    "/usr/lib/sonic-pi/etc/samples",
    "/usr/share/sonic-pi-samples",
]
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"

_TMP = None


def tmpdir():
    global _TMP
    if _TMP is None:
        _TMP = tempfile.mkdtemp(prefix="stemlint-eval-")
    return _TMP


def tmpfile(suffix):
    fd, path = tempfile.mkstemp(suffix=suffix, dir=tmpdir())
    os.close(fd)
    return path


def samples_dir():
    for d in SAMPLES_DIRS:
        if os.path.isfile(os.path.join(d, "drum_heavy_kick.flac")):
            return d
    raise SystemExit("sonic-pi samples not found in " + ", ".join(SAMPLES_DIRS))


def run(cmd):
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise SystemExit(
            "command failed (%d): %s\n%s"
            % (done.returncode, " ".join(cmd), done.stderr.decode(errors="replace")[-2000:])
        )
    return done.stdout


def as2d(x):
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x


# ---------------------------------------------------------------- WAV files


def write_wav(path, x, bits=24, fmt="int"):
    """Writes x as a plain PCM (or IEEE float) WAV. Integer samples are rounded (no dither)
    and saturate at full scale, as a DAW's export does."""
    x = as2d(x)
    frames, channels = x.shape
    if fmt == "int":
        scale = float(2 ** (bits - 1))
        q = np.clip(np.round(x * scale), -scale, scale - 1).astype(np.int64)
        data = int_bytes(q, bits)
        tag = 1
    else:
        data = x.astype("<f4" if bits == 32 else "<f8").tobytes()
        tag = 3
    write_raw_wav(path, data, channels, bits, tag)


def write_int_wav(path, q, bits=24):
    """Writes integer samples (already quantised, shape (frames, channels)) as they are."""
    q = np.asarray(q, dtype=np.int64)
    if q.ndim == 1:
        q = q[:, None]
    lim = 2 ** (bits - 1)
    if q.min() < -lim or q.max() > lim - 1:
        raise SystemExit("%s: integer samples out of range" % path)
    write_raw_wav(path, int_bytes(q, bits), q.shape[1], bits, 1)


def int_bytes(q, bits):
    flat = q.reshape(-1)
    if bits == 16:
        return flat.astype("<i2").tobytes()
    if bits == 24:
        b = flat.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
        return b.tobytes()
    if bits == 32:
        return flat.astype("<i4").tobytes()
    raise ValueError(bits)


def write_raw_wav(path, data, channels, bits, tag):
    block = channels * bits // 8
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, tag, channels, RATE, RATE * block, block, bits)
    header += b"data" + struct.pack("<I", len(data))
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(header)
        f.write(data)
    os.replace(tmp, path)


def quantise(x, bits=24):
    """Float -> integer samples, rounded, saturating."""
    scale = float(2 ** (bits - 1))
    return np.clip(np.round(as2d(x) * scale), -scale, scale - 1).astype(np.int64)


# ---------------------------------------------------------------- tools on arrays


def load(path, channels=1):
    """Any file sox reads, as float at RATE with `channels` channels."""
    raw = tmpfile(".f32")
    # 12 dB of headroom before the rate conversion: a sample normalised to full scale
    # overshoots between its samples, and sox would clip the overshoot at 1.0 on output
    # (isolated samples at exactly the peak: a clipper's fingerprint that is ours, not the
    # recording's). Taken back exactly below (a power of two).
    run(["sox", "-R", "-D", path, "-t", "f32", "-r", str(RATE), "-c", str(channels), raw,
         "vol", "0.25"])
    return read_raw(raw, channels) * 4.0


def read_raw(path, channels):
    x = np.fromfile(path, dtype="<f4").astype(np.float64)
    os.remove(path)
    return x.reshape(-1, channels)


def sox(x, effects, channels=None):
    """Runs sox effects over x; returns the result (its length may differ)."""
    x = as2d(x)
    channels = channels or x.shape[1]
    src = tmpfile(".wav")
    write_wav(src, x, bits=32, fmt="float")
    raw = tmpfile(".f32")
    run(["sox", "-R", "-D", src, "-t", "f32", "-r", str(RATE), "-c", str(channels), raw] + effects)
    os.remove(src)
    return read_raw(raw, channels)


def ffmpeg(x, af, channels=None):
    """Runs an ffmpeg audio filter graph over x."""
    x = as2d(x)
    channels = channels or x.shape[1]
    src = tmpfile(".wav")
    write_wav(src, x, bits=32, fmt="float")
    raw = tmpfile(".f32")
    run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", src,
         "-af", af, "-ar", str(RATE), "-ac", str(channels), "-bitexact", "-f", "f32le", raw])
    os.remove(src)
    return read_raw(raw, channels)


def synth(seconds, spec, channels=1):
    """sox -n synth (repeatable with -R)."""
    raw = tmpfile(".f32")
    run(["sox", "-R", "-D", "-n", "-t", "f32", "-r", str(RATE), "-c", str(channels), raw,
         "synth", str(seconds)] + spec)
    return read_raw(raw, channels)


def fluidsynth(midi_bytes, gain=0.5):
    mid = tmpfile(".mid")
    with open(mid, "wb") as f:
        f.write(midi_bytes)
    wav = tmpfile(".wav")
    run(["fluidsynth", "-ni", "-q", "-g", str(gain), "-r", str(RATE), "-O", "float",
         "-F", wav, SOUNDFONT, mid])
    x = load(wav, channels=2)
    os.remove(wav)
    # sox clips a float file's samples over full scale as it reads them: a render that loud
    # would carry a clipper's flat tops that are ours, not the patch's.
    if np.abs(x).max() >= 1.0:
        sys.exit("build.py: fluidsynth rendered over full scale (gain %g): lower the gain" % gain)
    return x


def espeak(text, voice="en-us", speed=150, pitch=50):
    wav = tmpfile(".wav")
    run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", wav, text])
    x = load(wav, channels=1)
    os.remove(wav)
    return x


def integrated_lufs(x):
    """Integrated loudness by ffmpeg's ebur128 filter (0.1 LU resolution). Mono is measured
    as dual-mono, as stemlint does."""
    x = as2d(x)
    if x.shape[1] == 1:
        x = np.repeat(x, 2, axis=1)
    src = tmpfile(".wav")
    write_wav(src, x, bits=32, fmt="float")
    done = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", src, "-af", "ebur128",
                           "-f", "null", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.remove(src)
    text = done.stderr.decode(errors="replace")
    summary = text[text.rfind("Summary:"):]
    for line in summary.splitlines():
        line = line.strip()
        if line.startswith("I:"):
            return float(line.split()[1])
    raise SystemExit("ebur128 gave no integrated loudness")


# ---------------------------------------------------------------- MIDI (format 0)


def midi(events, ticks=480, tempo_us=500000):
    """events: (tick, status, data1, data2) tuples, any order."""

    def vlq(n):
        out = [n & 0x7F]
        n >>= 7
        while n:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        return bytes(reversed(out))

    body = b"\x00\xff\x51\x03" + tempo_us.to_bytes(3, "big")
    now = 0
    for tick, *msg in sorted(events, key=lambda e: (e[0], e[1] & 0xF0 != 0x80)):
        body += vlq(tick - now) + bytes(m for m in msg if m is not None)
        now = tick
    body += vlq(ticks) + b"\xff\x2f\x00"
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, ticks) + b"MTrk"
            + struct.pack(">I", len(body)) + body)


# ---------------------------------------------------------------- levels


def db(x):
    return 20 * np.log10(max(float(x), 1e-300))


def peak(x):
    return float(np.max(np.abs(x))) if np.size(x) else 0.0


def rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if np.size(x) else 0.0


def crest_db(x):
    return db(peak(x)) - db(rms(x))


def to_peak(x, dbfs):
    p = peak(x)
    return x * (10 ** (dbfs / 20) / p) if p > 0 else x


def fit(x, frames):
    x = as2d(x)
    if len(x) >= frames:
        return x[:frames].copy()
    return np.vstack([x, np.zeros((frames - len(x), x.shape[1]))])


def read_wav(path):
    """PCM 16/24/32-bit or float WAV -> (float array (frames, channels), rate)."""
    with open(path, "rb") as f:
        data = f.read()
    pos, fmt, body = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
        elif cid == b"data":
            body = data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    tag, channels, rate, _, _, bits = fmt
    if tag == 3:
        x = np.frombuffer(body, dtype="<f4" if bits == 32 else "<f8").astype(np.float64)
    elif bits == 24:
        b = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        v = (b[:, 0].astype(np.int32) | (b[:, 1].astype(np.int32) << 8) | (b[:, 2].astype(np.int32) << 16))
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v / float(1 << 23)
    else:
        x = np.frombuffer(body, dtype="<i%d" % (bits // 8)).astype(np.float64) / float(1 << (bits - 1))
    return x.reshape(-1, channels), rate
