"""Builds the stemlint evaluation set into OUT (a fresh directory): one folder per delivery,
each with a stemlint.yaml choosing its profile and a notes.txt, and report.tsv with the
measured processing figures (crest reduction of each processed file, null depth of each
stems delivery) that back the labels in labels.tsv.

Usage: build.py OUT LABELS
Deterministic: fixed seeds, sox -R, our own WAV writer (no encoder tags)."""

import csv
import hashlib
import os
import sys

import numpy as np

import audio
import sources as S
from audio import crest_db, db, fit, peak, quantise, rms, to_peak
from sources import FRAMES, stereo

OUT = None
REPORT = []
NOTES = "Song: Night Road\nTempo: 120 BPM\nMeter: 4/4\nFormat: 48 kHz / 24-bit WAV\n"


WRITTEN = {}


def delivery(name, profile, files, extra_yaml=""):
    """files: {file name: float array, or ('int', integer array) written as it is}. A file
    whose bytes were already written elsewhere in the set is hard-linked to it (space)."""
    root = os.path.join(OUT, name)
    os.makedirs(root)
    with open(os.path.join(root, "stemlint.yaml"), "w") as f:
        f.write("profile: %s\n%s" % (profile, extra_yaml))
    with open(os.path.join(root, "notes.txt"), "w") as f:
        f.write(NOTES)
    for fname, data in files.items():
        path = os.path.join(root, fname)
        q = data[1] if isinstance(data, tuple) else quantise(fit(data, FRAMES))
        key = hashlib.sha256(np.ascontiguousarray(q).tobytes() + str(q.shape).encode()).hexdigest()
        if key in WRITTEN:
            os.link(WRITTEN[key], path)
        else:
            audio.write_int_wav(path, q)
            WRITTEN[key] = path
    return root


def report(delivery_name, fname, **figures):
    REPORT.append((delivery_name, fname, figures))


# ---------------------------------------------------------------- processing chains
# Each takes material at 0 dBFS peak and returns (output before any level change, gain dB
# the chain applies to material it does not compress, or None when it sets the level itself).


def alimiter(x, drive, ceiling=-1.0, release=50):
    return audio.ffmpeg(x, "alimiter=level_in=%.6f:limit=%.6f:level=0:attack=5:release=%g:latency=1"
                        % (10 ** (drive / 20), 10 ** (ceiling / 20), release)), drive


def gain_l(x, drive):
    """sox `gain -l`: gain with sox's brick-wall limiter."""
    return audio.sox(x, ["gain", "-l", "%.2f" % drive]), drive


def acompressor(x, threshold, ratio, attack, release, detection="peak"):
    return audio.ffmpeg(x, "acompressor=threshold=%.6f:ratio=%g:attack=%g:release=%g:detection=%s"
                        % (10 ** (threshold / 20), ratio, attack, release, detection)), 0.0


def compand(x):
    """sox compand as a fast peak compressor: above -20 dB in, 1 dB out per 4 dB in."""
    return audio.sox(x, ["compand", "0.002,0.08", "6:-70,-70,-20,-20,0,-15", "0", "-90"]), 0.0


def loudnorm(x, target, tp=-1.0):
    return audio.ffmpeg(x, "loudnorm=I=%g:TP=%g:LRA=11" % (target, tp)), None


def saturate(x, drive):
    """Mix-bus saturation: tanh soft clipping driven `drive` dB."""
    return np.tanh(10 ** (drive / 20) * x), drive


def processed(dname, fname, src, chain, level=-1.0):
    """Runs chain over src, records how much it took off the peaks, and sets the output's
    peak to `level` (None: as the chain left it)."""
    raw, linear_db = chain(audio.as2d(src))
    raw = fit(raw, FRAMES)
    y = raw if level is None else to_peak(raw, level)
    report(dname, fname, peak_reduction_db=round(peak_reduction(src, raw, linear_db), 2),
           crest_reduction_db=round(crest_db(src) - crest_db(y), 2),
           peak_dbfs=round(db(peak(y)), 2), crest_db=round(crest_db(y), 2))
    return y


def peak_reduction(x, y, linear_db, window=0.05):
    """The gain reduction the chain applied at the loudest peaks, dB: x (input) and y (raw
    output) are aligned (cross-correlation, within 50 ms) and cut into 50 ms windows; each
    window's gain is read from its peaks; the reduction is the median, over the loudest 5 % of
    the windows, of how far under the chain's linear gain they came out. When the chain sets
    its own level (loudnorm), the linear gain is read from the quietest 30 % of the windows."""
    xm, ym = audio.as2d(x).mean(axis=1), fit(y, FRAMES).mean(axis=1)
    n = 1 << (2 * FRAMES - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(ym, n) * np.conj(np.fft.rfft(xm, n)), n)
    reach = int(0.05 * audio.RATE)
    lags = np.concatenate([np.arange(0, reach), np.arange(-reach, 0)])
    lag = int(lags[np.argmax(np.concatenate([corr[:reach], corr[-reach:]]))])
    if lag > 0:
        ym = np.concatenate([ym[lag:], np.zeros(lag)])
    elif lag < 0:
        ym = np.concatenate([np.zeros(-lag), ym[:lag]])
    w = int(window * audio.RATE)
    k = FRAMES // w
    pin = np.abs(xm[:k * w]).reshape(k, w).max(axis=1)
    pout = np.abs(ym[:k * w]).reshape(k, w).max(axis=1)
    live = (pin > pin.max() * 10 ** (-40 / 20)) & (pout > 0)
    pin, pout = pin[live], pout[live]
    order = np.argsort(pin)
    if linear_db is None:
        quiet = order[: max(1, int(len(order) * 0.3))]
        gain = float(np.median(pout[quiet] / pin[quiet]))
    else:
        gain = 10 ** (linear_db / 20)
    loud = order[-max(3, int(len(order) * 0.05)):]
    return float(np.median(20 * np.log10(gain * pin[loud] / pout[loud])))


def at(x, dbfs):
    return to_peak(fit(x, FRAMES), dbfs)


# ---------------------------------------------------------------- tracks deliveries


def tracks_unprocessed():
    piano_fades = S.piano().copy()
    n_in, n_out = 2 * audio.RATE, 3 * audio.RATE
    piano_fades[:n_in] *= np.linspace(0, 1, n_in)[:, None]
    piano_fades[-n_out:] *= np.linspace(1, 0, n_out)[:, None] ** 2
    delivery("tracks-unprocessed", "tracks", {
        "01_Kick_Loop.wav": at(S.kick_loop(), -6),
        "02_Drums.wav": at(S.drums(), -4),
        "03_Bass.wav": at(S.bass(), -8),
        "04_Piano.wav": at(S.piano(), -6),
        "05_Strings.wav": at(S.strings(), -10),
        "06_GM_Drums.wav": at(S.gm_drums(), -5),
        "07_Guitar.wav": at(S.guitar(), -6),
        "08_Nylon.wav": at(S.nylon(), -8),
        "09_Ambient.wav": at(S.ambient(), -12),
        "10_Vocal.wav": at(S.speech(), -5),
        "11_Vocal_Guide.wav": at(S.sine_guide(), -6),
        "12_Sine_Tremolo.wav": at(S.tremolo_sine(), -3),
        "13_Saw_DI.wav": at(S.saw_di(), -4),
        "14_Pink_Noise.wav": at(S.pink(), -6),
        "15_Bass_Sampler.wav": at(S.bass_sampler(), -6),
        "16_Piano_Fades.wav": at(piano_fades, -6),
        "17_Noisy_Drums.wav": at(S.noisy_drums(), -3),
        "18_Vocal_Reverb.wav": at(S.reverb_vocal(), -6),
        "19_Kick_Loop_Hot.wav": at(S.kick_loop(), -0.3),
        "20_Vocal_Guide_Hot.wav": at(S.sine_guide(), -0.5),
        "21_Kick_Loop_123.wav": at(S.kick_loop_123(), -3),
        "22_Synth_Kick_Loop.wav": at(S.synth_kick_loop(), -1),
        "23_Vocal_Guide_Dynamics.wav": at(S.sine_guide_dynamics(), -3),
    })


def tracks_quiet():
    delivery("tracks-quiet", "tracks", {
        "01_Kick_Loop.wav": at(S.kick_loop(), -46),
        "02_Drums.wav": at(S.drums(), -44),
        "03_Piano.wav": at(S.piano(), -46),
        "04_Vocal.wav": at(S.speech(), -45),
        "05_Vocal_Guide.wav": at(S.sine_guide(), -46),
        "06_Sine_Tremolo.wav": at(S.tremolo_sine(), -43),
        "07_Pink_Noise.wav": at(S.pink(), -46),
        "08_Nylon.wav": at(S.nylon(), -48),
    })


def tracks_limited():
    name = "tracks-limited"
    d, v, p, m = S.drums(), S.speech(), S.pink(), S.mix()
    cases = [
        ("01_Drums_ALim1.wav", d, lambda x: alimiter(x, 1)),
        ("02_Drums_ALim3.wav", d, lambda x: alimiter(x, 3)),
        ("03_Drums_ALim6.wav", d, lambda x: alimiter(x, 6)),
        ("04_Drums_ALim12.wav", d, lambda x: alimiter(x, 12)),
        ("05_Drums_GainL3.wav", d, lambda x: gain_l(x, 3)),
        ("06_Drums_GainL10.wav", d, lambda x: gain_l(x, 10)),
        ("07_Drums_GainL30.wav", d, lambda x: gain_l(x, 30)),
        ("08_Drums_Comp_Hard.wav", d, lambda x: acompressor(x, -24, 20, 0.1, 80)),
        ("09_Drums_Comp_Gentle.wav", d, lambda x: acompressor(x, -18, 2, 20, 200, "rms")),
        ("10_Drums_Compand.wav", d, compand),
        ("11_Vocal_ALim6.wav", v, lambda x: alimiter(x, 6)),
        ("12_Vocal_ALim12.wav", v, lambda x: alimiter(x, 12)),
        ("13_Vocal_GainL10.wav", v, lambda x: gain_l(x, 10)),
        ("14_Vocal_Comp_Hard.wav", v, lambda x: acompressor(x, -30, 20, 0.1, 80)),
        ("15_Vocal_Compand.wav", v, compand),
        ("16_Vocal_Loudnorm.wav", v, lambda x: loudnorm(x, -10)),
        ("17_Noise_ALim6.wav", p, lambda x: alimiter(x, 6)),
        ("18_Noise_GainL10.wav", p, lambda x: gain_l(x, 10)),
        ("19_Mix_ALim3.wav", m, lambda x: alimiter(x, 3)),
        ("20_Mix_ALim6.wav", m, lambda x: alimiter(x, 6)),
        ("21_Mix_ALim12.wav", m, lambda x: alimiter(x, 12, -0.3)),
        ("22_Mix_GainL10.wav", m, lambda x: gain_l(x, 10)),
        ("23_Mix_Loudnorm.wav", m, lambda x: loudnorm(x, -9)),
        ("24_Mix_Saturated6.wav", m, lambda x: saturate(x, 6)),
        ("25_Mix_Saturated12.wav", m, lambda x: saturate(x, 12)),
        ("26_Mix_Comp_Gentle.wav", m, lambda x: acompressor(x, -18, 2, 20, 200, "rms")),
        ("27_GM_Drums_ALim6.wav", S.gm_drums(), lambda x: alimiter(x, 6)),
        ("28_Noisy_Drums_GainL30.wav", S.noisy_drums(), lambda x: gain_l(x, 30)),
        ("29_Noisy_Drums_ALim6.wav", S.noisy_drums(), lambda x: alimiter(x, 6)),
        ("30_Kick_Loop_ALim6.wav", S.kick_loop(), lambda x: alimiter(x, 6)),
        ("31_Bass_ALim6.wav", S.bass(), lambda x: alimiter(x, 6)),
        ("32_Piano_ALim6.wav", S.piano(), lambda x: alimiter(x, 6)),
        ("33_Mix_Compand.wav", m, compand),
        ("34_Drums_ALim4.wav", d, lambda x: alimiter(x, 4)),
    ]
    files = {}
    for fname, src, chain in cases:
        files[fname] = processed(name, fname, src, chain, None if "Loudnorm" in fname else -1.0)
    delivery(name, "tracks", files)


def tracks_holdout():
    """Material and processing the limiter design was NOT tuned on (added after the operating
    point was chosen): other recordings, other loops, another tempo, other drives."""
    name = "tracks-holdout"
    tabla = S.loop("loop_tabla")
    roll = S.loop("drum_roll")
    hiss = S.loop("vinyl_hiss")
    blips = S.repeated("elec_blip", 97)
    files = {
        "01_Tabla.wav": at(tabla, -4),
        "02_Drum_Roll.wav": at(roll, -3),
        "03_Vinyl_Hiss.wav": at(hiss, -10),
        "04_Blips_97.wav": at(blips, -2),
        "05_Choir.wav": at(S.loop("ambi_choir"), -6),
        "06_Harmonics.wav": at(S.loop("guit_harmonics"), -5),
        "07_Snare_Loop_97.wav": at(S.repeated("drum_snare_hard", 97), -1),
        "08_Bass_Voxy.wav": at(S.loop("bass_voxy_c"), -6),
    }
    chains = [
        ("11_Tabla_ALim5.wav", tabla, lambda x: alimiter(x, 5)),
        ("12_Drum_Roll_GainL12.wav", roll, lambda x: gain_l(x, 12)),
        ("13_Choir_ALim8.wav", S.loop("ambi_choir"), lambda x: alimiter(x, 8)),
        ("14_Tabla_Loudnorm.wav", tabla, lambda x: loudnorm(x, -8)),
        ("15_Harmonics_Comp_Hard.wav", S.loop("guit_harmonics"), lambda x: acompressor(x, -24, 20, 0.1, 80)),
        ("16_Vinyl_ALim9.wav", hiss, lambda x: alimiter(x, 9)),
        ("17_Snare_Loop_97_ALim6.wav", S.repeated("drum_snare_hard", 97), lambda x: alimiter(x, 6)),
        ("18_Mix_ALim4.wav", S.mix(), lambda x: alimiter(x, 4)),
    ]
    for fname, src, chain in chains:
        files[fname] = processed(name, fname, src, chain, None if "Loudnorm" in fname else -1.0)
    delivery(name, "tracks", files)


def tracks_holdout2():
    """A second hold-out, built after the pinned-peaks crest gate and never tuned on: three
    more song mixes of other instruments (General MIDI drums or sonic-pi kits, a GM bass line,
    chords, a lead, speech or a choir) and three GM instruments, dry and through the set's
    chains at other drives (sox gain -l 6/10/14 dB, tanh 6/9 dB, alimiter 6 dB, the 0.1 ms
    20:1 compressor)."""
    name = "tracks-holdout2"
    st = S.as_stereo

    def g(gain_db):
        return 10 ** (gain_db / 20)

    mixes = {
        "MixA": st(S.gm_drums()) * g(-6) + st(S.gm_line(33, 133, -12)) * g(-9)
        + st(S.gm_chords(4, 204)) * g(-12) + st(S.gm_line(61, 161, 0)) * g(-14)
        + st(S.gm_chords(52, 252)) * g(-18),
        "MixB": st(S.noisy_drums()) * g(-7) + st(S.gm_line(36, 136, -12)) * g(-10)
        + st(S.gm_chords(48, 248)) * g(-15) + st(S.gm_line(56, 156, 12)) * g(-13)
        + st(S.speech_take2()) * g(-9),
        "MixC": st(S.drums()) * g(-6) + st(S.gm_line(34, 134, -12)) * g(-9)
        + st(S.gm_chords(24, 224)) * g(-12) + st(S.gm_line(73, 173, 24)) * g(-15)
        + st(S.gm_organ_chords()) * g(-20),
    }
    chains = [("GainL6", lambda x: gain_l(x, 6)), ("GainL10", lambda x: gain_l(x, 10)),
              ("GainL14", lambda x: gain_l(x, 14)), ("Tanh6", lambda x: saturate(x, 6)),
              ("Tanh9", lambda x: saturate(x, 9)), ("ALim6", lambda x: alimiter(x, 6)),
              ("Comp_Hard", lambda x: acompressor(x, -24, 20, 0.1, 80))]
    files = {}
    n = 0
    for label, m in mixes.items():
        m = to_peak(fit(m, FRAMES), 0)
        n += 1
        files["%02d_%s.wav" % (n, label)] = at(m, -1)
        for cname, chain in chains:
            n += 1
            fname = "%02d_%s_%s.wav" % (n, label, cname)
            files[fname] = processed(name, fname, m, chain)
    for program, octave, label in ((33, -12, "Finger_Bass"), (61, 0, "Brass"), (65, 12, "Sax")):
        x = S.gm_line(program, 100 + program, octave)
        n += 1
        files["%02d_%s.wav" % (n, label)] = at(x, -1)
        for cname, chain in (("GainL10", lambda x: gain_l(x, 10)), ("Tanh9", lambda x: saturate(x, 9))):
            n += 1
            fname = "%02d_%s_%s.wav" % (n, label, cname)
            files[fname] = processed(name, fname, x, chain)
    delivery(name, "tracks", files)


def tracks_mixes():
    """24 song mixes (`sources.song_mix`), dry and through `gain -l` 6 and 10 dB and the 0.1 ms
    20:1 compressor. Built while the ducked sign of `signal/limited` was designed, and tuned
    on: its in-sample set (LIMITER-DESIGN.md, "Ducked")."""
    name = "tracks-mixes"
    files = {}
    for i in range(24):
        m = S.song_mix(i)
        keep_loop_bars("Mix%02d" % i, m)
        files["%02d_Dry.wav" % i] = at(m, -1)
        for cname, chain in MIX_CHAINS:
            fname = "%02d_%s.wav" % (i, cname)
            files[fname] = processed(name, fname, m, chain)
    delivery(name, "tracks", files)


# What the mixes of tracks-mixes and tracks-holdout3 go through.
MIX_CHAINS = [("GainL6", lambda x: gain_l(x, 6)), ("GainL10", lambda x: gain_l(x, 10)),
              ("Comp_Hard", lambda x: acompressor(x, -24, 20, 0.1, 80))]


def tracks_holdout3():
    """A third hold-out, built after the ducked sign's operating point (periodicity gate at 0.5
    then; 0.7 after it): 12 more song mixes (`sources.song_mix_b`: spaced overheads, four on
    the floor, Haas-widened chords, speech in a room, a breakdown) and 6 stereo sources that
    are not mixes (overheads, a stereo kit, a kick with a sub, an orchestral texture, toms
    heard by a spaced pair), dry and through the mixes' chains."""
    name = "tracks-holdout3"
    sources = {"Mix%02d" % i: S.song_mix_b(i) for i in range(12)}
    sources.update((k, to_peak(fit(v, FRAMES), 0)) for k, v in S.stereo_non_mixes().items())
    files = {}
    for label, m in sources.items():
        if label.startswith("Mix"):
            keep_loop_bars("MixB%s" % label[3:], m)
        files["%s_Dry.wav" % label] = at(m, -1)
        for cname, chain in MIX_CHAINS:
            fname = "%s_%s.wav" % (label, cname)
            files[fname] = processed(name, fname, m, chain)
    delivery(name, "tracks", files)


def tracks_looped_mixes():
    """Hard negatives for the signs read in loops: a bar of each dry mix of `tracks-mixes` and
    `tracks-holdout3` looped end to end (1 s from 0 s, 2 s from 2 s, 0.5 s from 4.5 s, 1 s from
    6 s), unprocessed. Built when the ducked sign was tried in loops (LIMITER-DESIGN.md, "The
    ducked sign in loops"): one moment repeated reads as ducked as a curve leaves a mix."""
    name = "tracks-looped-mixes"
    files = {}
    for label, bars in LOOP_BARS.items():
        for k, bar in enumerate(bars):
            bar = bar.astype(np.float64)
            files["%s_Loop%d.wav" % (label, k)] = at(np.tile(bar, (FRAMES // len(bar) + 1, 1))[:FRAMES], -1)
    delivery(name, "tracks", files)


# The bars `tracks_looped_mixes` loops, kept (as float32) when the mixes are built.
LOOP_BARS = {}


def keep_loop_bars(label, m):
    bars = []
    for start, length in ((0.0, 1.0), (2.0, 2.0), (4.5, 0.5), (6.0, 1.0)):
        a, n = int(start * audio.RATE), int(length * audio.RATE)
        bars.append(audio.as2d(m)[a:a + n].astype(np.float32))
    LOOP_BARS[label] = bars


def tracks_kicks():
    """Drums and low instruments alone (`sources.drum_tracks`, mono), and kicks, toms, a kick
    with a bass, a kit and a piano heard by a spaced pair (the right channel 0.5 or 1 ms late):
    hard negatives for the ducked sign, whose detail a kick's smooth swing ducks by nature and
    whose side a spaced pair's delay ducks. Four of them through `gain -l` (10 dB, the spaced
    toms 6 dB)."""
    name = "tracks-kicks"
    tracks = S.drum_tracks()
    files = {"%s.wav" % label: at(x, -1) for label, x in tracks.items()}
    spaced = {}
    for label, x in (("Kick", tracks["Kick_Heavy"]), ("Toms", S.place(
            [(j * 0.25, S.sample(["drum_tom_lo_hard", "drum_tom_mid_hard", "drum_tom_hi_hard"][j % 3]),
              -np.random.default_rng(j).uniform(0, 6)) for j in range(40)])[:, 0]),
            ("Kick_And_Bass", tracks["Kick_And_Bass"])):
        for tau in (0.5, 1.0):
            spaced["%s_Spaced_%.1fms" % (label, tau)] = np.stack([x, S.delay(x, tau, fractional=True)], 1)
    spaced["Kit_Spaced_1.0ms"] = np.stack([S.mono(S.drums()), S.delay(S.mono(S.drums()), 1.0, fractional=True)], 1)
    spaced["Piano_Spaced_1.0ms"] = np.stack([S.mono(S.piano()), S.delay(S.mono(S.piano()), 1.0, fractional=True)], 1)
    files.update(("%s.wav" % label, at(x, -1)) for label, x in spaced.items())
    for label, src, drive in (("Kick_Heavy", tracks["Kick_Heavy"], 10), ("Toms", tracks["Toms"], 10),
                              ("Snare", tracks["Snare"], 10), ("Toms_Spaced_0.5ms", spaced["Toms_Spaced_0.5ms"], 6)):
        fname = "%s_GainL%d.wav" % (label, drive)
        files[fname] = processed(name, fname, src, lambda x, d=drive: gain_l(x, d))
    delivery(name, "tracks", files)


def tracks_freesound():
    """Out of sample, built after every operating point: the stereo recordings of
    sonic-pi-samples no other set uses (`sources.FREESOUND_STEREO`: loops, one-shots,
    ambiences, synth basses), each looped at its own rate and converted to 48 kHz as a
    44.1 kHz session's bounce is, at -1 dBFS. Unprocessed here; what the recordings carry
    from their own making is labelled from independent measurements (sox stats)."""
    name = "tracks-freesound"
    files = {"%s.wav" % n: at(S.bounced_loop(n), -1) for n in S.FREESOUND_STEREO}
    delivery(name, "tracks", files)


def tracks_bounced():
    """Built after the loop gates for repeats a fraction of a sample apart (`max_wall_loop_share`,
    `max_loop_share`) and not tuned on: 28 one-shots (kicks, snares, toms, a snap, an impact,
    tabla) repeated at a tempo drawn per sample whose beat is no whole number of samples, in a
    44.1 kHz session bounced and converted to 48 kHz; at one velocity and humanised (within
    6 dB); and 7 of the humanised patterns through `alimiter` 6 dB."""
    bounced_holdout("tracks-bounced", S.BOUNCED_ONE_SHOTS, 97, limit_every=4, offsets=False)


def bounced_holdout(name, one_shots, seed, limit_every=3, offsets=True):
    """One-shots in a 44.1 kHz session bounced and converted to 48 kHz (the beat, drawn per
    one-shot, no whole number of samples), at one velocity and humanised; every
    `limit_every`-th humanised pattern through `alimiter` 6 dB; and with `offsets`, DC offsets
    made two ways - 1.5 % of the peak baked into every sixth one-shot before it is placed (the
    second of each six), and 0.8 % added to a whole bounce (the fifth of each six)."""
    rng = np.random.default_rng(seed)
    files = {}
    for index, n in enumerate(one_shots):
        bpm = round(float(rng.uniform(84, 140)), 2)
        files["%02d_%s.wav" % (index, n)] = at(S.bounced_hits(n, bpm), -1)
        files["%02d_%s_Humanised.wav" % (index, n)] = at(S.bounced_hits(n, bpm, True), -1)
        if index % limit_every == 0:
            fname = "%02d_%s_Humanised_ALim6.wav" % (index, n)
            files[fname] = processed(name, fname, S.bounced_hits(n, bpm, True),
                                     lambda x: alimiter(x, 6))
        if offsets and index % 6 == 1:
            files["%02d_%s_Sample_DC.wav" % (index, n)] = at(S.bounced_hits(n, bpm, True, 0.015), -1)
        if offsets and index % 6 == 4:
            files["%02d_%s_Converter_DC.wav" % (index, n)] = at(S.bounced_hits(n, bpm, True), -1) + 0.008
    delivery(name, "tracks", files)


def tracks_holdout4():
    """Built after the dc-offset quiet-block gate and the pinned sign's loudest-quarter loop gate
    and not tuned on: 24 one-shots no other set uses (cowbell, cymbal pedal, splash, soft toms,
    electronic snare, wood, pop, bong, impacts, snap, till, a kick, tabla, glitches, bass hits, a
    twang, a burp)."""
    bounced_holdout("tracks-holdout4", S.HOLDOUT4_ONE_SHOTS, 4)


def tracks_holdout5():
    """Built after the held sign's loop gate and the exact ceiling's 30 % and not tuned on: the
    24 one-shots left (tabla strokes, electronic bells, blips, chimes, a cymbal, glitches, a
    robot, a crow)."""
    bounced_holdout("tracks-holdout5", S.HOLDOUT5_ONE_SHOTS, 5)


def gm_patterns(name, files, stem, index, accents_every, render):
    """Into `files`: a General MIDI sound's patterns (`render(mode)`) at one velocity, humanised
    and accented; the humanised one through `alimiter` driven 4, 6 or 9 dB with a release of 20,
    50 or 150 ms (by `index`), and where `index` is a multiple of `accents_every` the accented one
    through `alimiter` 6 dB."""
    for mode, suffix in (("one", "One_Velocity"), ("humanised", "Humanised"), ("accents", "Accents")):
        files["%s_%s.wav" % (stem, suffix)] = at(render(mode), -1)
    drive, release = (4, 6, 9)[index % 3], (20, 50, 150)[(index // 3) % 3]
    fname = "%s_Humanised_ALim%d_R%d.wav" % (stem, drive, release)
    files[fname] = processed(name, fname, render("humanised"),
                             lambda x: alimiter(x, drive, release=release))
    if index % accents_every == 0:
        fname = "%s_Accents_ALim6.wav" % stem
        files[fname] = processed(name, fname, render("accents"), lambda x: alimiter(x, 6))


def tracks_holdout6():
    """Built after the unlike-bodies sign (hits at the ceiling one sample, their bodies apart)
    and not tuned on: 16 General MIDI drum sounds of FluidR3's kits, rendered at 48 kHz on every
    beat at a tempo drawn per sound, at one velocity, humanised (velocities 60-127) and with a
    sequencer's accents (127, 70, 100, 70); every humanised pattern through `alimiter` driven 4,
    6 or 9 dB with a release of 20, 50 or 150 ms, and every fourth accented pattern through
    `alimiter` 6 dB; and four General MIDI lines at one velocity (whose notes differ)."""
    name = "tracks-holdout6"
    rng = np.random.default_rng(6)
    files = {}
    for index, (kit, note, label) in enumerate(S.GM_HITS):
        bpm = round(float(rng.uniform(84, 140)), 2)
        gm_patterns(name, files, "%02d_%s" % (index, label), index, 4,
                    lambda mode, kit=kit, note=note, bpm=bpm: S.gm_hits(kit, note, bpm, mode))
    for program, label in ((33, "Finger_Bass"), (38, "Synth_Bass"), (81, "Saw_Lead"), (87, "Bass_Lead")):
        files["Line_%s_One_Velocity.wav" % label] = at(S.gm_one_velocity_line(program, program), -1)
    delivery(name, "tracks", files)


def tracks_holdout7():
    """Built to test the ducked sign without its body gate where the side drops 8 dB or more
    (LIMITER-DESIGN.md, "Stereo drums through a curve"), before reading it: six General MIDI
    kits of FluidR3 playing a humanised groove, in the soundfont's stereo and heard by a spaced
    pair (1 ms), dry and through `gain -l` 6 and 10 dB; and each kit's kick, humanised, heard by
    a spaced pair (0.5 ms), dry (a drum's own swing)."""
    name = "tracks-holdout7"
    files = {}
    for kit, label, seed in ((0, "Standard", 71), (8, "Room", 72), (16, "Power", 73),
                             (25, "TR808", 74), (32, "Jazz", 75), (40, "Brush", 76)):
        groove = S.gm_groove(kit, seed)
        takes = {"Stereo": groove, "Overheads": to_peak(S.spaced_pair(groove.mean(axis=1), seed, 1.0), 0)}
        for take, x in takes.items():
            files["%s_%s.wav" % (label, take)] = at(x, -1)
            for drive in (6, 10):
                fname = "%s_%s_GainL%d.wav" % (label, take, drive)
                files[fname] = processed(name, fname, x, lambda y, d=drive: gain_l(y, d))
        kick = S.gm_hits(kit, 36, 100.0, "humanised")
        files["%s_Kick_Spaced.wav" % label] = at(to_peak(S.spaced_pair(kick, seed, 0.5), 0), -1)
    delivery(name, "tracks", files)


def tracks_holdout8():
    """Built to test the ducked sign's body gate waived where the side drops 6 dB or more (it
    was 8; tracks-holdout7's kits through `gain -l` read -6.2 to -7.6 there, every unprocessed
    file of the set that is no loop and whose body is not ducked -4.75 or more), before
    reading it: the two General MIDI kits holdout7 left out (Electronic, Orchestra) and four of
    its kits playing other grooves at other tempi (`sources.gm_groove2`: a half-time beat on a
    ride, a sixteenth-note funk beat), in FluidR3's stereo and heard by spaced pairs 0.6 and 1.5
    ms apart, dry and through `gain -l` 6 and 10 dB; and the nearest unprocessed material, a
    kit's single drums heard by a spaced pair, humanised, dry: kicks, snares and toms, 0.3 to
    2 ms apart."""
    name = "tracks-holdout8"
    files = {}
    grooves = ((24, "Electronic", 81, 92, "ride"), (48, "Orchestra", 82, 108, "funk"),
               (0, "Standard", 83, 86, "funk"), (8, "Room", 84, 132, "ride"),
               (32, "Jazz", 85, 118, "ride"), (16, "Power", 86, 97, "funk"))
    for index, (kit, label, seed, bpm, style) in enumerate(grooves):
        groove = S.gm_groove2(kit, seed, bpm, style)
        tau = (0.6, 1.5)[index % 2]
        takes = {"Stereo": groove,
                 "Spaced": to_peak(S.spaced_pair(groove.mean(axis=1), seed, tau), 0)}
        for take, x in takes.items():
            stem = "%s_%s_%s" % (label, style.capitalize(), take)
            files["%s.wav" % stem] = at(x, -1)
            for drive in (6, 10):
                fname = "%s_GainL%d.wav" % (stem, drive)
                files[fname] = processed(name, fname, x, lambda y, d=drive: gain_l(y, d))
        for note, piece, tau in ((36, "Kick", (0.3, 2.0)[index % 2]),
                                 (38, "Snare", (0.8, 1.2)[index % 2]),
                                 ((45, 41)[index % 2], "Tom", (1.5, 0.4)[index % 2])):
            hits = S.gm_hits(kit, note, bpm, "humanised")
            files["%s_%s_Spaced_%gms.wav" % (label, piece, tau)] = at(
                to_peak(S.spaced_pair(hits, seed + note, tau), 0), -1)
    delivery(name, "tracks", files)


def tracks_holdout9():
    """Built to test the loop route read from a few windows (a wall under `min_wall_windows`
    alike is a loop only where the loudest quarter is mostly one waveform too), before reading
    it: drum machines (FluidR3's TR-808 and Electronic kits: a sample per drum at every
    velocity) playing both grooves at new tempi, in the soundfont's stereo and heard by a spaced
    pair (0.8 ms), dry and through `gain -l` 6 and 10 dB; and, as the loops the route is for,
    a bar of each dry take looped end to end (one beat, one bar, two bars)."""
    name = "tracks-holdout9"
    files = {}
    for kit, label, seed, bpm, style in ((25, "TR808", 91, 104, "ride"), (25, "TR808", 92, 122, "funk"),
                                         (24, "Electronic", 93, 128, "funk"), (24, "Electronic", 94, 88, "ride")):
        groove = S.gm_groove2(kit, seed, bpm, style)
        takes = {"Stereo": groove,
                 "Spaced": to_peak(S.spaced_pair(groove.mean(axis=1), seed, 0.8), 0)}
        beat = 60.0 / bpm
        for take, x in takes.items():
            stem = "%s_%s%d_%s" % (label, style.capitalize(), bpm, take)
            files["%s.wav" % stem] = at(x, -1)
            for drive in (6, 10):
                fname = "%s_GainL%d.wav" % (stem, drive)
                files[fname] = processed(name, fname, x, lambda y, d=drive: gain_l(y, d))
            for beats, start in ((1, 4), (4, 8), (8, 4)):
                a, n = int(start * beat * audio.RATE), int(beats * beat * audio.RATE)
                bar = audio.as2d(x)[a:a + n]
                files["%s_Loop%d.wav" % (stem, beats)] = at(
                    np.tile(bar, (FRAMES // len(bar) + 1, 1))[:FRAMES], -1)
    delivery(name, "tracks", files)


def tracks_holdout10():
    """Built to test the held sign's aligned-RMS gate (the level of the loudest quarter read
    over 50 ms from just before each window's peak, so that a window grid cutting one hit at
    another place each time does not pass for a level that moves), before reading it: 12
    General MIDI voices that ring on under the next beats (bells, glockenspiel, vibraphone,
    celesta, music box, steel drums, piano, harp, kalimba, timpani, xylophone), rendered on every
    beat at a tempo drawn per voice, at one velocity, humanised and accented, half of them in
    FluidR3's stereo; every humanised pattern through `alimiter` driven 4, 6 or 9 dB with a
    release of 20, 50 or 150 ms, and every third accented pattern through `alimiter` 6 dB."""
    name = "tracks-holdout10"
    rng = np.random.default_rng(10)
    files = {}
    for index, (program, note, label) in enumerate(S.GM_RINGS):
        bpm = round(float(rng.uniform(84, 160)), 2)
        stereo = index % 2 == 1
        stem = "%02d_%s%s" % (index, label, "_Stereo" if stereo else "")
        gm_patterns(name, files, stem, index, 3,
                    lambda mode, p=program, n=note, b=bpm, s=stereo: S.gm_rings(p, n, b, mode, s))
    delivery(name, "tracks", files)


def tracks_holdout11():
    """Built to test the held sign's aligned-RMS gate on the false alarm's own kind, before
    reading it: 16 General MIDI voices that ring for seconds (bells, mallets, a crystal pad, an
    electric piano, an orchestra hit, guitar harmonics, taiko), each one note rendered once as a
    one-shot and placed on every beat of a 44.1 kHz session at a tempo drawn per voice, the
    bounce converted to 48 kHz (as `tracks-holdout5`'s chime): at one velocity and humanised,
    and every other humanised pattern through `alimiter` 6 dB."""
    name = "tracks-holdout11"
    rng = np.random.default_rng(11)
    files = {}
    for index, (program, note, label) in enumerate(S.GM_RINGING_ONE_SHOTS):
        bpm = round(float(rng.uniform(84, 160)), 2)
        stem = "%02d_%s" % (index, label)
        files["%s.wav" % stem] = at(S.bounced_gm_one_shot(program, note, bpm), -1)
        files["%s_Humanised.wav" % stem] = at(S.bounced_gm_one_shot(program, note, bpm, True), -1)
        if index % 2 == 0:
            fname = "%s_Humanised_ALim6.wav" % stem
            files[fname] = processed(name, fname, S.bounced_gm_one_shot(program, note, bpm, True),
                                     lambda x: alimiter(x, 6))
    delivery(name, "tracks", files)


def tracks_ringing_keys():
    """Built to probe `tracks-holdout11`'s nearest unprocessed file (an electric piano at one
    velocity whose rings interfere: peaks 0.452 times its level's spread, the held sign's gate
    0.45), and read once: 12 General MIDI keyboard, mallet and plucked voices, three notes each,
    every note rendered once as a one-shot that rings 2.5 s and bounced as the chime was, at one
    velocity, at a tempo drawn per file."""
    rng = np.random.default_rng(123)
    files = {}
    for program, label in ((4, "EPiano1"), (5, "EPiano2"), (7, "Clavinet"), (0, "Piano"),
                           (1, "Bright_Piano"), (2, "EGrand"), (11, "Vibraphone"), (16, "Organ"),
                           (24, "Nylon"), (25, "Steel_Guitar"), (46, "Harp"), (108, "Kalimba")):
        for note in (48, 60, 67):
            bpm = round(float(rng.uniform(84, 160)), 2)
            files["%s_%d_%g.wav" % (label, note, bpm)] = at(S.bounced_gm_one_shot(program, note, bpm), -1)
    delivery("tracks-ringing-keys", "tracks", files)


def tracks_holdout12():
    """Built to test `signal/limited` on speech before reading it (a new user's read, a light
    limiter on a sparse vocal with reverb, had passed): 16 espeak-ng speakers in 16 languages
    and accents (voice variants, speeds and pitches of their own), each reading three lines
    with drawn gaps at levels 0-3 dB apart; every odd speaker also in a room (early reflections
    and a short reverb), every fourth from the third also sparse (two lines over 10 s). Every
    speaker through `alimiter` driven 3.5, 4.5, 6 or 9 dB with a release of 20, 50 or 150 ms
    (the room's version for odd speakers, the sparse one where there is one), and every fourth
    from the second through `gain -l` 10 dB."""
    name = "tracks-holdout12"
    files = {}
    for index, (voice, _, _) in enumerate(S.SPEAKERS):
        stem = "%02d_%s" % (index, voice.replace("+", "_").replace("-", "_"))
        dry = S.speaker(index)
        files["%s.wav" % stem] = at(dry, -1)
        source = dry
        if index % 2 == 1:
            # 12 dB of headroom: sox clips its float output at full scale, and the room's
            # reflections add up over the dry peak (the first build clipped all eight).
            wet = audio.sox(S.room(S.mono(dry), 1200 + index) * 10 ** (-12 / 20),
                            ["reverb", "25", "50", "40"])
            source = to_peak(fit(wet, FRAMES), 0)
            files["%s_Room.wav" % stem] = at(source, -1)
        if index % 4 == 2:
            source = S.speaker(index, sparse=True)
            files["%s_Sparse.wav" % stem] = at(source, -1)
        drive, release = (3.5, 4.5, 6, 9)[index % 4], (20, 50, 150)[index % 3]
        fname = "%s_ALim%g_R%d.wav" % (stem, drive, release)
        files[fname] = processed(name, fname, source, lambda x, d=drive, r=release: alimiter(x, d, release=r))
        if index % 4 == 1:
            fname = "%s_GainL10.wav" % stem
            files[fname] = processed(name, fname, source, lambda x: gain_l(x, 10))
    delivery(name, "tracks", files)


def tracks_beds():
    """Hard negatives for `signal/limited` (`sources.beds`): a loud sustained bed with quiet
    hats, a shaker, a piano, a guitar or a kit on it, unprocessed. Built when a sign for a
    fast compressor on a mix (a level that stays within a few dB while transients come) was
    measured; they read as the compressed mixes do, and the sign was dropped."""
    delivery("tracks-beds", "tracks", {"%02d_%s.wav" % (i + 1, k): at(v, -1)
                                       for i, (k, v) in enumerate(S.beds().items())})


def tracks_synth():
    """Synthesizer DIs (digital oscillators, and General MIDI organ and synth patches: every
    cycle of a note alike, a saw's top and bottom crests alike) with dynamics from velocity,
    and two of them through a limiter. Added after
    the exact-ceiling sign of `signal/limited`, whose false alarms they are (LIMITER-DESIGN.md)."""
    name = "tracks-synth"
    lines = S.synth_lines()
    # At -6 dBFS: an aliased sawtooth's waveform passes its sample peak by 1.9 dB between
    # samples, which `signal/clipping` rightly reports over 0 dBTP.
    files = {
        "01_Saw_Bass.wav": at(lines["saw"], -6),
        "02_Saw_Bass_BL.wav": at(lines["saw_bl"], -6),
        "03_Organ.wav": at(lines["organ"], -6),
        "04_Triangle_Lead.wav": at(lines["triangle"], -6),
        "05_Sine_Lead.wav": at(lines["sine"], -6),
        "06_GM_Organ.wav": at(S.gm_synth(16, 21, 24), -1),
        "07_GM_Synth_Bass.wav": at(S.gm_synth(38, 22), -1),
        "08_GM_Square_Lead.wav": at(S.gm_synth(80, 23, 24), -1),
        "09_GM_Saw_Lead.wav": at(S.gm_synth(81, 24, 24), -1),
        "10_GM_Organ_Chords.wav": at(S.gm_organ_chords(), -1),
        # The lines of 11 and 12 as their limiter leaves them: every note at one level.
        "13_Saw_Bass_One_Velocity.wav": at(lines["saw_one_velocity"], -6),
        "14_Organ_One_Velocity.wav": at(lines["organ_one_velocity"], -6),
    }
    chains = [
        ("11_Saw_Bass_ALim6.wav", lines["saw"], lambda x: alimiter(x, 6)),
        ("12_Organ_ALim6.wav", lines["organ"], lambda x: alimiter(x, 6)),
    ]
    for fname, src, chain in chains:
        files[fname] = processed(name, fname, src, chain)
    delivery(name, "tracks", files)


def tracks_gm():
    """General MIDI instruments (FluidR3) as a tracks delivery would carry them, unprocessed:
    basses, brass, reeds, pipes, organs, strings, choir, guitars clean and distorted (the
    soundfont's own recordings of an amp), pads and synth leads, as lines with velocities and
    as chords. Added with the pinned-peaks crest gate of `signal/limited` (LIMITER-DESIGN.md)."""
    lines = [(32, -12, "Acoustic_Bass"), (33, -12, "Finger_Bass"), (34, -12, "Pick_Bass"),
             (35, -12, "Fretless_Bass"), (36, -12, "Slap_Bass"), (39, -12, "Synth_Bass_2"),
             (56, 12, "Trumpet"), (61, 0, "Brass"), (65, 12, "Alto_Sax"), (68, 12, "Oboe"),
             (71, 12, "Clarinet"), (73, 24, "Flute"), (21, 12, "Accordion"), (22, 12, "Harmonica"),
             (52, 12, "Choir_Line"), (17, 12, "Perc_Organ"), (19, 12, "Church_Organ"),
             (82, 12, "Calliope_Lead"), (85, 12, "Voice_Lead"), (40, 24, "Violin"),
             (42, 0, "Cello"), (27, 12, "Clean_Guitar"), (28, 12, "Muted_Guitar")]
    chords = [(29, True, "Overdrive_Power"), (30, True, "Distortion_Power"),
              (29, False, "Overdrive_Chords"), (48, False, "Strings_Chords"),
              (52, False, "Choir_Chords"), (61, False, "Brass_Chords"), (88, False, "Pad_Chords"),
              (89, False, "Warm_Pad_Chords"), (24, False, "Nylon_Chords"), (4, False, "EP_Chords")]
    files = {}
    for n, (program, octave, label) in enumerate(lines, 1):
        files["%02d_%s.wav" % (n, label)] = at(S.gm_line(program, 100 + program, octave), -1)
    for n, (program, power, label) in enumerate(chords, len(lines) + 1):
        files["%02d_%s.wav" % (n, label)] = at(S.gm_chords(program, 200 + program, power), -1)
    delivery("tracks-gm", "tracks", files)


def tracks_gm_synth():
    """More General MIDI patches, unprocessed, where a crest under a drum's is the patch's
    own: synth basses, synth brass and strings, the leads, pads and effects (80-103), and
    ethnic instruments, as lines with velocity; the loudest leads and pads and the distorted
    guitars as chords. Added as hard negatives of the crest gates of `signal/limited` for
    varied material (LIMITER-DESIGN.md)."""
    lines = [(38, -12), (39, -12), (62, 0), (63, 0), (50, 12), (51, 12)] + [
        (program, 0 if program == 87 else 12) for program in range(80, 104)] + [
        (program, 12) for program in range(104, 112)]
    chords = [(80, False), (81, False), (87, False), (90, False), (62, False), (50, False),
              (30, True), (18, False)]
    files = {}
    n = 0
    for program, octave in lines:
        n += 1
        line = S.gm_line(program, 300 + program, octave, gain=0.05)
        files["%02d_GM_%03d_Line.wav" % (n, program)] = at(line, -1)
    for program, power in chords:
        n += 1
        chords_render = S.gm_chords(program, 400 + program, power, gain=0.05)
        files["%02d_GM_%03d_Chords.wav" % (n, program)] = at(chords_render, -1)
    delivery("tracks-gm-synth", "tracks", files)


def tracks_drive():
    """Distortion printed on purpose, as amp-sims and fuzz pedals print it: guitars and a bass
    through tanh driven 12 to 36 dB, with and without a cabinet (high-pass 80 Hz, low-pass
    4.5 kHz twice, +4 dB at 1.8 kHz). `signal/limited` is not scored on them (`any`): the
    waveform is a saturator's, whatever it was meant to be."""
    cab = "highpass=f=80,lowpass=f=4500,lowpass=f=4500,equalizer=f=1800:t=q:w=1:g=4"
    files = {}
    n = 0
    for label, src in (("Guitar", S.guitar()), ("Nylon", S.nylon()), ("Bass", S.bass())):
        x = audio.as2d(src).mean(axis=1, keepdims=True)
        for drive in (12, 24, 36):
            y = np.tanh(10 ** (drive / 20) * x)
            n += 1
            files["%02d_%s_Fuzz%d.wav" % (n, label, drive)] = at(y, -3)
            n += 1
            files["%02d_%s_Fuzz%d_Cab.wav" % (n, label, drive)] = at(fit(audio.ffmpeg(y, cab), FRAMES), -3)
    delivery("tracks-drive", "tracks", files)


def tracks_clipping():
    name = "tracks-clipping"
    files = {
        "01_Drums_Clipped.wav": np.clip(S.drums() * 10 ** (9 / 20), -1, 1),
        "02_Vocal_Clipped.wav": np.clip(S.speech() * 10 ** (6 / 20), -1, 1),
        "03_Drums_Hot.wav": at(S.drums(), -1.0),
        "04_Vocal_Hot.wav": at(S.speech(), -1.0),
        "05_Bass_Clipped.wav": np.clip(S.bass() * 10 ** (3 / 20), -1, 1),
        "06_Piano_Hot.wav": at(S.piano(), -1.0),
    }
    delivery(name, "tracks", files)


def tracks_clipped_down():
    """Clipped, then turned down (`signal/clipping`'s flat tops below full scale): drums,
    speech, a bass and a mix driven into a hard clipper and lowered 2-10 dB, written without
    dither, and one with TPDF dither at the 24-bit step (three samples in four of a flat top
    still round alike). And what must stay quiet: the same sources lowered unclipped,
    synthesizer lines whose tops are flat by design (a PolyBLEP square, a trapezoid) played
    with velocity, a naive square."""
    rng = np.random.default_rng(17)

    def clipped(x, drive_db, down_db):
        return np.clip(audio.as2d(x) * 10 ** (drive_db / 20), -1, 1) * 10 ** (-down_db / 20)

    def dithered24(x):
        noise = rng.random(x.shape) - rng.random(x.shape)
        return ("int", np.clip(np.round(x * 2 ** 23 + noise), -2 ** 23, 2 ** 23 - 1).astype(np.int64))

    mix = S.song_mix(3)
    files = {
        "01_Drums_Clipped_Down6.wav": clipped(S.drums(), 9, 6),
        "02_Vocal_Clipped_Down3.wav": clipped(S.speech(), 6, 3),
        "03_Bass_Clipped_Down10.wav": clipped(S.bass(), 3, 10),
        "04_Mix_Clipped_Down2.wav": clipped(mix, 4, 2),
        "05_Drums_Clipped_Down6_Dithered.wav": dithered24(clipped(S.drums(), 9, 6)),
        "06_Drums_Down6.wav": at(S.drums(), -6),
        "07_Mix_Down2.wav": at(mix, -2),
        "08_Square_PolyBLEP_Line.wav": at(S.synth_line(S.polyblep_square, 31), -6),
        "09_Trapezoid_Line.wav": at(S.synth_line(S.trapezoid, 32), -6),
        "10_Square_Naive_Line.wav": at(S.synth_line(lambda f, n: np.sign(np.sin(2 * np.pi * f * np.arange(n) / S.RATE)), 33), -6),
    }
    delivery("tracks-clipped-down", "tracks", files)


def tracks_dc():
    b = at(S.bass_sampler(), -6)
    files = {
        "01_Bass_Sampler_DC.wav": b + 0.02,
        "02_Pink_Noise.wav": at(S.pink(), -6),
        "03_Bass_Sampler.wav": b,
        "04_Kick_Loop_DC_Small.wav": at(S.kick_loop(), -6) + 0.001,
        "05_Pink_Noise_Hot.wav": at(S.pink(), -1),
        "06_Piano_DC.wav": at(S.piano(), -8) + 0.02,
        "07_Noisy_Drums.wav": at(S.noisy_drums(), -3),
    }
    delivery("tracks-dc", "tracks", files)


def tracks_silent():
    rng = np.random.default_rng(7)
    lsb = 2.0 ** -23
    dither = (rng.random(FRAMES) - rng.random(FRAMES)) * 2 * lsb
    files = {
        "01_Silence.wav": np.zeros(FRAMES),
        "02_Dither_Floor.wav": dither,
        "03_Room_Tone.wav": at(S.pink(), -65),
        "04_Quiet_Vocal.wav": at(S.speech(), -45),
        "05_Piano_Tail.wav": at(S.piano(), -6) * np.linspace(1, 0, FRAMES)[:, None] ** 8,
        "06_Quiet_Kick.wav": at(S.kick_loop(), -80),
    }
    delivery("tracks-silent", "tracks", files)


def tracks_stereo():
    piano = at(S.piano(), -6)
    vocal = at(S.speech(), -6)
    rng = np.random.default_rng(8)
    lsb = 2.0 ** -23
    guitar = at(S.guitar(), -6)
    drums = at(S.drums(), -6)
    strings = at(S.strings(), -8)
    haas = strings.copy()
    delay = int(0.012 * audio.RATE)
    haas[delay:, 1] = strings[:-delay, 0]
    files = {
        "01_Piano_DualMono.wav": stereo(piano.mean(axis=1)),
        "02_Vocal_DualMono_Dither.wav": np.hstack([vocal + rng.integers(-1, 2, (FRAMES, 1)) * lsb,
                                                   vocal + rng.integers(-1, 2, (FRAMES, 1)) * lsb]),
        "03_Piano_Stereo.wav": piano,
        "04_Vocal_Panned.wav": stereo(vocal, 1.0, 0.7),
        "05_Guitar_Flipped.wav": guitar * np.array([1.0, -1.0]),
        "06_Vocal_Reverb_Wide.wav": at(S.reverb_vocal(), -6),
        "07_Drums_Flipped.wav": stereo(drums, 1.0, -1.0),
        "08_Strings_Haas.wav": haas,
        "09_Ambient.wav": at(S.ambient(), -12),
        "10_GM_Drums.wav": at(S.gm_drums(), -5),
        "11_Mix_Flipped.wav": at(S.mix(), -3) * np.array([1.0, -1.0]),
    }
    delivery("tracks-stereo", "tracks", files)


def tracks_mono_in_stereo():
    """A mono source in a stereo file, as producers export it: panned in the DAW (a
    constant-power law, 24-bit, or with each channel dithered to 16 bits), or on one side only;
    and the stereo material nearest it (a spaced pair, a Haas delay, a double, a detuned copy,
    a DI and its amp on two sides, a reverb, a ping-pong). Built for the panned-mono and
    silent-side findings (`signal/fake-stereo`, `signal/silent`) before they were read."""
    rng = np.random.default_rng(31)

    def pan(x, position):
        """Mono x at `position` (-1 left .. +1 right), constant power."""
        angle = (position + 1) * np.pi / 4
        return stereo(mono(x), np.cos(angle), np.sin(angle))

    def dither16(x):
        """Each channel dithered (TPDF) to 16-bit steps, on its own, in a 24-bit file."""
        x = audio.as2d(x)
        noise = (rng.random(x.shape) - rng.random(x.shape)) * 2.0 ** -15
        return np.round((x + noise) * 2.0 ** 15) * 2.0 ** -15

    def one_side(x, side, floor=None):
        x = mono(x)
        other = np.zeros_like(x) if floor is None else floor(len(x))
        return np.stack([x, other] if side == 0 else [other, x], 1)

    def mono(x):
        return S.mono(x) if audio.as2d(x).shape[1] > 1 else audio.as2d(x)[:, 0]

    def sixteen_floor(n):
        """A channel carrying only 16-bit TPDF dither (its peak one 16-bit step)."""
        return np.round(rng.random(n) - rng.random(n)) * 2.0 ** -15

    vocal, guitar, bass, piano = mono(S.speech()), mono(S.guitar()), mono(S.bass()), mono(S.piano())
    kick, saw, drums = mono(S.kick_loop()), mono(S.saw_di()), mono(S.drums())
    reverb = audio.sox(stereo(vocal), ["reverb", "-w", "50", "50", "100", "100", "10"], channels=2)
    chorus_l = audio.sox(guitar, ["chorus", "0.7", "0.9", "55", "0.4", "0.25", "2", "-t"])
    chorus_r = audio.sox(guitar, ["chorus", "0.7", "0.9", "60", "0.4", "0.31", "2.3", "-t"])
    detuned = np.interp(np.arange(FRAMES) * 1.003, np.arange(FRAMES), saw)
    amp = np.tanh(4 * bass) / np.tanh(4)
    half = FRAMES // 2
    ping = np.stack([np.where(np.arange(FRAMES) < half, vocal, 0.0),
                     np.where(np.arange(FRAMES) >= half, vocal, 0.0)], 1)
    files = {
        "01_Vocal_Pan_L30.wav": at(pan(vocal, -0.3), -3),
        "02_Guitar_Pan_R60.wav": at(pan(guitar, 0.6), -3),
        "03_Bass_Centre_Dither16.wav": dither16(at(pan(bass, 0.0), -6)),
        "04_Drums_Pan_L15_Dither16.wav": dither16(at(pan(drums, -0.15), -3)),
        "05_Piano_Pan_R80_Dither16.wav": dither16(at(pan(piano, 0.8), -6)),
        "06_Kick_Pan_L45.wav": at(pan(kick, -0.45), -3),
        "07_Vocal_Quiet_Pan_L20_Dither16.wav": dither16(at(pan(vocal, -0.2), -40)),
        "08_Synth_Pan_R35.wav": at(pan(saw, 0.35), -6),
        "09_Vocal_Left_Only.wav": at(one_side(vocal, 0), -3),
        "10_Guitar_Right_Only_Dither16.wav": at(one_side(guitar, 1), -3) + one_side(np.zeros(FRAMES), 1, sixteen_floor),
        "11_Bass_Hard_Left.wav": at(pan(bass, -1.0), -6),
        "12_Vocal_Reverb_Return.wav": at(stereo(vocal) + 0.1 * fit(reverb, FRAMES), -3),
        "13_Guitar_Chorus.wav": at(np.stack([fit(chorus_l, FRAMES)[:, 0], fit(chorus_r, FRAMES)[:, 0]], 1), -3),
        "14_Bass_Spaced_Pair.wav": at(S.spaced_pair(bass, 41, 0.3), -6),
        "15_Vocal_Haas_1ms.wav": at(S.haas(vocal, 1.0), -3),
        "16_Vocal_Double.wav": at(np.stack([vocal, fit(mono(S.speech_take2()), FRAMES)[:, 0]], 1), -3),
        "17_Synth_Detuned.wav": at(np.stack([saw, detuned], 1), -6),
        "18_Bass_DI_Amp.wav": at(np.stack([bass, amp], 1), -6),
        "19_Vocal_Ping_Pong.wav": at(ping, -3),
    }
    delivery("tracks-mono-in-stereo", "tracks", files)


def tracks_mono_in_stereo2():
    """A second set for the same findings, built after the first was read: General MIDI
    lines (their FluidR3 renders summed to mono) panned by two pan laws, exported at 24 bits,
    dithered to 16 bits per channel (TPDF, and sox's noise-shaped dither), quiet, through a
    stereo analogue path (hiss of its own in each channel) and through MP3; on one side only
    with the other channel's dither; and stereo near it: the renders as they are (at their
    level and 30 dB down, 16-bit), a coincident pair, M/S with the side 30 dB down, a stereo
    drum machine dithered to 16 bits."""
    rng = np.random.default_rng(57)

    def mono(x):
        x = audio.as2d(x)
        return x.mean(axis=1) if x.shape[1] > 1 else x[:, 0]

    def pan(x, position, law="power"):
        """Mono x at `position` (-1 left .. +1 right): constant power, or -6 dB linear."""
        if law == "power":
            angle = (position + 1) * np.pi / 4
            return stereo(mono(x), np.cos(angle), np.sin(angle))
        return stereo(mono(x), (1 - position) / 2, (1 + position) / 2)

    def tpdf16(x):
        x = audio.as2d(x)
        noise = (rng.random(x.shape) - rng.random(x.shape)) * 2.0 ** -15
        return np.round((x + noise) * 2.0 ** 15) * 2.0 ** -15

    def shaped16(x):
        """sox's noise-shaped dither to 16 bits (the rate's default filter), each channel."""
        q = audio.sox(x, ["dither", "-s", "-p", "16"])
        return np.round(q * 2.0 ** 15) * 2.0 ** -15

    def mp3(x):
        src, enc, raw = audio.tmpfile(".wav"), audio.tmpfile(".mp3"), audio.tmpfile(".f32")
        audio.write_wav(src, audio.as2d(x), bits=32, fmt="float")
        audio.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", src,
                   "-c:a", "libmp3lame", "-b:a", "192k", "-bitexact", enc])
        audio.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", enc,
                   "-ar", str(audio.RATE), "-ac", "2", "-bitexact", "-f", "f32le", raw])
        for path in (src, enc):
            os.remove(path)
        return audio.read_raw(raw, 2)

    piano, steel, flute = S.gm_line(0, 61), S.gm_line(25, 62), S.gm_line(73, 63, 1)
    trumpet, organ, pad = S.gm_line(56, 64), S.gm_line(16, 65), S.gm_chords(89, 66)
    bass = S.gm_line(33, 67, -1)
    hiss = np.stack([mono(S.pink())[::-1], mono(S.pink())], 1)
    strings = audio.as2d(S.gm_line(48, 68))
    mid, side = mono(strings), (strings[:, 0] - strings[:, 1]) / 2
    narrow = 10 ** (-30 / 20) * rms(mid) / rms(side)
    ms = np.stack([mid + narrow * side, mid - narrow * side], 1)
    room = audio.as2d(S.reverb_vocal())
    xy = stereo(mono(S.speech())) + 0.15 * (room - stereo(mono(room)))
    files = {
        "01_Piano_Pan_L50.wav": at(pan(piano, -0.5), -3),
        "02_Steel_Pan_R25_Linear.wav": at(pan(steel, 0.25, "linear"), -3),
        "03_Flute_Pan_L70_TPDF16.wav": tpdf16(at(pan(flute, -0.7), -6)),
        "04_Trumpet_Pan_R40_Shaped16.wav": shaped16(at(pan(trumpet, 0.4), -3)),
        "05_Organ_Centre_Shaped16.wav": shaped16(at(pan(organ, 0.0), -6)),
        "06_Pad_Quiet_Pan_R30_TPDF16.wav": tpdf16(at(pan(pad, 0.3), -36)),
        "07_Bass_Pan_L20_Linear_Shaped16.wav": shaped16(at(pan(bass, -0.2, "linear"), -6)),
        "08_Piano_Pan_R60_Hiss.wav": at(pan(piano, 0.6), -3) + at(hiss, -72),
        "09_Steel_DualMono_MP3.wav": at(mp3(at(stereo(mono(steel)), -1)), -3),
        "10_Trumpet_Right_Only_Shaped16.wav": shaped16(at(stereo(mono(trumpet), 0.0, 1.0), -3)),
        "11_Flute_Left_Only_TPDF16.wav": tpdf16(at(stereo(mono(flute), 1.0, 0.0), -6)),
        "12_Piano_Stereo.wav": at(piano, -3),
        "13_Steel_Stereo_Quiet_TPDF16.wav": tpdf16(at(steel, -33)),
        "14_Bass_Stereo_Shaped16.wav": shaped16(at(bass, -6)),
        "15_Organ_Stereo.wav": at(organ, -3),
        "16_Strings_MS_Side_30dB.wav": at(ms, -3),
        "17_Vocal_Coincident_Pair.wav": at(xy, -3),
        "18_TR808_Stereo_TPDF16.wav": tpdf16(at(S.gm_groove2(25, 69, 100, "funk"), -3)),
        "19_Pad_Stereo_Quiet.wav": at(pad, -40),
    }
    delivery("tracks-mono-in-stereo2", "tracks", files)


def tracks_bits():
    rng = np.random.default_rng(9)
    def sixteen(x, dither):
        x = audio.as2d(x)
        noise = (rng.random(x.shape) - rng.random(x.shape)) if dither else 0.0
        q = np.clip(np.round(x * 32768 + noise), -32768, 32767)
        return ("int", q.astype(np.int64) * 256)
    def dithered24(x):
        x = audio.as2d(x)
        noise = rng.random(x.shape) - rng.random(x.shape)
        return ("int", np.clip(np.round(x * 2 ** 23 + noise), -2 ** 23, 2 ** 23 - 1).astype(np.int64))
    files = {
        "01_Piano_16in24.wav": sixteen(at(S.piano(), -6), False),
        "02_Vocal_16in24.wav": sixteen(at(S.speech(), -6), False),
        "03_Drums_16in24_Dithered.wav": sixteen(at(S.drums(), -4), True),
        "04_Piano_24_Dithered.wav": dithered24(at(S.piano(), -6)),
        "05_Quiet_Vocal_24.wav": at(S.speech(), -45),
        "06_Sine_Guide_24.wav": dithered24(at(S.sine_guide(), -12)),
        "07_Kick_Loop_16in24.wav": sixteen(at(S.kick_loop(), -6), False),
    }
    delivery("tracks-bits", "tracks", files)


# ---------------------------------------------------------------- stems deliveries


def null_depth(stems, mix):
    """Residual RMS (stems summed minus mix) against the mix RMS, dB; mono stems centred."""
    total = np.zeros_like(mix, dtype=np.float64)
    for s in stems:
        total += s if s.shape[1] == mix.shape[1] else np.repeat(s, mix.shape[1], axis=1)
    r = rms(total - mix)
    return round(db(r) - db(rms(mix)), 1) if r > 0 else -999.0


def shift(q, n):
    out = np.zeros_like(q)
    out[n:] = q[:-n]
    return out


def music_stems():
    """Drums, bass (dual-mono), music, vocals as 24-bit integers; they sum to the mix."""
    drums = stereo(S.drums(), 1.0, 0.85) * 10 ** (-8 / 20)
    bass = stereo(S.bass()) * 10 ** (-13 / 20)
    music = to_peak(S.piano() + S.strings() * 0.5, 0) * 10 ** (-12 / 20)
    vocals = S.reverb_vocal() * 10 ** (-9 / 20)
    return {k: quantise(fit(v, FRAMES)) for k, v in
            [("Drums", drums), ("Bass", bass), ("Music", music), ("Vocals", vocals)]}


def stems_deliveries():
    base = music_stems()
    mix = sum(base.values())
    take2 = quantise(fit(stereo(S.speech_take2()) * 10 ** (-10 / 20), FRAMES))

    def stem_set(name, changes=None, drop=(), mix_q=None, profile="stems"):
        changes = changes or {}
        files, arrays = {}, []
        for key, q in base.items():
            if key in drop:
                continue
            data = changes.get(key, q)
            arrays.append(data)
            files["Night_Road_%s.wav" % key] = ("int", data)
        mq = mix if mix_q is None else mix_q
        files["Night_Road_Mix.wav"] = ("int", mq)
        delivery(name, profile, files)
        report(name, "-", null_depth_db=null_depth([a.astype(float) for a in arrays], mq.astype(float)))

    def gain(q, g_db):
        return quantise(q / 2 ** 23 * 10 ** (g_db / 20))

    stem_set("stems-exact")
    stem_set("stems-vocals-late-1", {"Vocals": shift(base["Vocals"], 1)})
    stem_set("stems-drums-late-1", {"Drums": shift(base["Drums"], 1)})
    stem_set("stems-bass-late-1", {"Bass": shift(base["Bass"], 1)})
    stem_set("stems-music-minus-1db", {"Music": gain(base["Music"], -1)})
    stem_set("stems-vocals-minus-1db", {"Vocals": gain(base["Vocals"], -1)})
    stem_set("stems-bass-polarity", {"Bass": -base["Bass"]})
    stem_set("stems-vocals-replaced", {"Vocals": take2})
    stem_set("stems-vocals-missing", drop=("Vocals",))
    stem_set("stems-mono-bass", {"Bass": base["Bass"][:, :1]})
    stem_set("stems-mono-bass-vocals-minus-1db", {"Bass": base["Bass"][:, :1], "Vocals": gain(base["Vocals"], -1)})
    mixf = mix / 2 ** 23
    stem_set("stems-bus-light", mix_q=quantise(np.tanh(mixf * 1.0)))
    heavy = to_peak(fit(acompressor(mixf, -24, 4, 5, 100, "rms")[0], FRAMES), db(peak(mixf)))
    stem_set("stems-bus-heavy", mix_q=quantise(heavy))
    # The mix changed as a whole after the stems were printed: a master fader, a polarity
    # switch, an export two samples off.
    stem_set("stems-mix-minus-1db", mix_q=gain(mix, -1))
    stem_set("stems-mix-polarity", mix_q=-mix)
    stem_set("stems-mix-late-2", mix_q=shift(mix, 2))
    rng = np.random.default_rng(10)
    tpdf = rng.random(mix.shape) - rng.random(mix.shape)
    stem_set("stems-mix-16bit", mix_q=(np.clip(np.round(mixf * 32768 + tpdf), -32768, 32767) * 256).astype(np.int64))


def film_stems(dialogue, music, effects, target_lufs):
    """Quantised DME stems scaled so that their sum reads target_lufs, and that sum."""
    stems = {k: fit(S.as_stereo(v), FRAMES) for k, v in (("Dialogue", dialogue), ("Music", music),
                                                        ("Effects", effects))}
    total = sum(stems.values())
    g = 10 ** ((target_lufs - audio.integrated_lufs(total)) / 20)
    q = {k: quantise(v * g) for k, v in stems.items()}
    return q, sum(q.values())


def film_delivery(name, q, mix, prefix="Reel1", changes=None):
    changes = changes or {}
    files = {"%s_%s.wav" % (prefix, k): ("int", changes.get(k, v)) for k, v in q.items()}
    files["%s_PrintMaster.wav" % prefix] = ("int", mix)
    delivery(name, "stems-film", files)
    arrays = [changes.get(k, v).astype(float) for k, v in q.items()]
    report(name, "-", null_depth_db=null_depth(arrays, mix.astype(float)))


def film_deliveries():
    dx = S.speech()
    mx = to_peak(S.piano() + S.strings() * 0.7, 0) * 0.5
    fx = S.gm_drums() * 0.4
    q, mix = film_stems(dx, mx, fx, -23.0)
    film_delivery("film-r128", q, mix)
    film_delivery("film-dialogue-late-1", q, mix, changes={"Dialogue": shift(q["Dialogue"], 1)})
    film_delivery("film-music-minus-1db", q, mix, changes={"Music": quantise(q["Music"] / 2 ** 23 * 10 ** (-1 / 20))})
    for name, target in (("film-loud", -20.5), ("film-quiet", -30.0), ("film-edge", -22.4)):
        q2, mix2 = film_stems(dx, mx, fx, target)
        film_delivery(name, q2, mix2)
    # an effects stem whose true peak is over -1 dBTP while its samples stay 3 dB under it:
    # a 12 kHz beep (fs/4) sampled 45 degrees off its crests
    t = np.arange(FRAMES)
    beep = np.zeros(FRAMES)
    a, b = int(8.2 * audio.RATE), int(8.6 * audio.RATE)
    beep[a:b] = np.sin(2 * np.pi * t[a:b] / 4 + np.pi / 4)
    q3, mix3 = film_stems(dx, mx, fx, -23.0)
    beep_q = quantise(stereo(beep) * 10 ** (-0.5 / 20))
    q3["Effects"] = q3["Effects"] + beep_q
    film_delivery("film-truepeak", q3, mix3 + beep_q)
    # dry but periodic: a synth score and repeated hits
    q4, mix4 = film_stems(S.sine_guide() * 0.5, S.saw_di() * 0.3 + S.tremolo_sine() * 0.3, S.kick_loop() * 0.6, -23.0)
    film_delivery("film-dry-periodic", q4, mix4)
    # the case: noise-like drums 30 dB into sox's limiter, as the effects stem
    q5, mix5 = film_stems(dx, mx, S.noisy_drums() * 0.5, -23.0)
    fx_lim = processed("film-limited", "Reel2_Effects.wav", S.noisy_drums(), lambda x: gain_l(x, 30))
    dx_lim = processed("film-limited", "Reel2_Dialogue.wav", S.speech(), lambda x: alimiter(x, 9))
    mx_lim = processed("film-limited", "Reel2_Music.wav", to_peak(mx, 0), lambda x: alimiter(x, 8))
    q6, mix6 = film_stems(dx_lim, mx_lim, fx_lim, -23.0)
    film_delivery("film-limited", q6, mix6, prefix="Reel2")


def film_meters():
    """Calibration of `signal/loudness` and `signal/true-peak` (stems-film: -23 LUFS within 1 LU
    on a print master, -1 dBTP on every file) on programme material near their thresholds:
    16 programmes (eight song mixes, speech dry and in a room, piano and strings, General MIDI
    and played drums, an ambience, pink noise, the drums through `gain -l` 10 dB) as print
    masters (`_Mix`) at an integrated loudness drawn from -25.5 to -20.5 LUFS, and the same 16
    as stems (`_Stem`) with their sample peak drawn from -2.5 to -0.2 dBFS. Labelled from
    ffmpeg's ebur128 meter on the files as written (`meter_labels.py`), not from stemlint."""
    rng = np.random.default_rng(128)
    programmes = [("Song%d" % i, S.song_mix(i)) for i in range(8)]
    programmes += [("Speech", S.speech()), ("Vocal_Room", S.reverb_vocal()),
                   ("Piano_Strings", to_peak(S.piano() + S.strings() * 0.7, 0)),
                   ("GM_Drums", S.gm_drums()), ("Noisy_Drums", S.noisy_drums()),
                   ("Ambience", S.ambient()), ("Pink", S.pink()),
                   ("Drums_GainL10", gain_l(S.noisy_drums(), 10)[0])]
    files = {}
    for index, (label, x) in enumerate(programmes):
        x = fit(S.as_stereo(x), FRAMES)
        target = float(rng.uniform(-25.5, -20.5))
        mix = x * 10 ** ((target - audio.integrated_lufs(x)) / 20)
        if np.max(np.abs(mix)) > 10 ** (-0.1 / 20):
            mix = to_peak(mix, -0.1)  # no louder than its samples allow
        files["%02d_%s_Mix.wav" % (index, label)] = mix
        files["%02d_%s_Stem.wav" % (index, label)] = to_peak(x, float(rng.uniform(-2.5, -0.2)))
    delivery("film-meters", "stems-film", files)


def main():
    global OUT
    OUT = sys.argv[1]
    labels_path = sys.argv[2]
    os.makedirs(OUT, exist_ok=True)
    tracks_unprocessed()
    tracks_quiet()
    tracks_limited()
    tracks_holdout()
    tracks_holdout2()
    tracks_mixes()
    tracks_holdout3()
    tracks_looped_mixes()
    tracks_kicks()
    tracks_freesound()
    tracks_bounced()
    tracks_holdout4()
    tracks_holdout5()
    tracks_holdout6()
    tracks_holdout7()
    tracks_holdout8()
    tracks_holdout9()
    tracks_holdout10()
    tracks_holdout11()
    tracks_ringing_keys()
    tracks_holdout12()
    tracks_beds()
    tracks_synth()
    tracks_gm()
    tracks_gm_synth()
    tracks_drive()
    tracks_clipping()
    tracks_clipped_down()
    tracks_dc()
    tracks_silent()
    tracks_stereo()
    tracks_mono_in_stereo()
    tracks_mono_in_stereo2()
    tracks_bits()
    stems_deliveries()
    film_deliveries()
    film_meters()
    with open(os.path.join(OUT, "report.tsv"), "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["delivery", "file", "figures"])
        for d, fname, figures in REPORT:
            w.writerow([d, fname, " ".join("%s=%s" % kv for kv in sorted(figures.items()))])
    check_labels(labels_path)


def check_labels(labels_path):
    """Every audio file built is labelled and every label names a file (or `-`) that exists."""
    built = set()
    for d in sorted(os.listdir(OUT)):
        root = os.path.join(OUT, d)
        if os.path.isdir(root):
            built.add((d, "-"))
            built.update((d, f) for f in os.listdir(root) if f.endswith(".wav"))
    labelled = set()
    with open(labels_path) as f:
        for row in csv.reader(f, delimiter="\t"):
            if not row or row[0].startswith("#") or row[0] == "delivery":
                continue
            labelled.add((row[0], row[1]))
    whole = {d for d, f in labelled if f == "*"}
    missing = sorted(k for k in labelled - built if k[1] != "*")
    unlabelled = sorted(k for k in built - labelled if k[1] != "-" and k[0] not in whole)
    if missing or unlabelled:
        for d, f in missing:
            print("labels.tsv names %s/%s, which the build did not make" % (d, f), file=sys.stderr)
        for d, f in unlabelled:
            print("%s/%s is built but has no label" % (d, f), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
