"""Unprocessed source material: recorded samples (sonic-pi-samples), General MIDI renders
(fluidsynth + FluidR3_GM), speech (espeak-ng) and sox synthesis. Every source is SECONDS long
at audio.RATE, deterministic (fixed seeds, sox -R), peak-normalised to 0 dBFS; callers set
the level."""

import functools
import os

import numpy as np

import audio
from audio import RATE, fit, to_peak

SECONDS = 10
FRAMES = SECONDS * RATE
BEAT = 0.5  # 120 BPM


def sample(name, channels=1):
    return audio.load(os.path.join(audio.samples_dir(), name + ".flac"), channels)


def place(hits, channels=1):
    """hits: (time s, array, gain dB). Sums the hits into one FRAMES-long buffer."""
    out = np.zeros((FRAMES, channels))
    for at, x, gain in hits:
        x = audio.as2d(x)
        if x.shape[1] != channels:
            x = np.repeat(x[:, :1], channels, axis=1)
        start = int(round(at * RATE))
        if start >= FRAMES:
            continue
        n = min(len(x), FRAMES - start)
        out[start:start + n] += x[:n] * 10 ** (gain / 20)
    return out


@functools.lru_cache(maxsize=None)
def kick_loop():
    """One kick sample, identical hit every beat: the periodic material a sampler prints."""
    kick = sample("drum_heavy_kick")
    return to_peak(place([(i * BEAT, kick, 0.0) for i in range(int(SECONDS / BEAT))]), 0)


@functools.lru_cache(maxsize=None)
def kick_loop_123():
    """The same kick at 123 BPM: hits fall at a different place in every analysis window."""
    kick = sample("drum_heavy_kick")
    beat = 60 / 123
    return to_peak(place([(i * beat, kick, 0.0) for i in range(int(SECONDS / beat) + 1)]), 0)


@functools.lru_cache(maxsize=None)
def drums():
    """A played kit from recorded one-shots: kick, snare, hats, open hat, toms, crash,
    velocities and timing humanised (seeded)."""
    rng = np.random.default_rng(1)
    kick, snare, hat = sample("drum_heavy_kick"), sample("drum_snare_hard"), sample("drum_cymbal_closed")
    soft_snare, open_hat = sample("drum_snare_soft"), sample("drum_cymbal_open")
    tom_hi, tom_lo, crash = sample("drum_tom_hi_hard"), sample("drum_tom_lo_hard"), sample("drum_splash_hard")
    hits = [(0.0, crash, -4.0)]
    steps = int(SECONDS / BEAT) * 4
    for step in range(steps):
        t = step * BEAT / 4 + rng.normal(0, 0.004)
        t = max(t, 0.0)
        bar_step = step % 16
        if step >= steps - 8:  # a tom fill in the last two beats
            if step % 2 == 0:
                hits.append((t, tom_hi if step < steps - 4 else tom_lo, rng.uniform(-6, 0)))
            continue
        if bar_step in (0, 8, 10):
            hits.append((t, kick, rng.uniform(-3, 0)))
        if bar_step in (4, 12):
            hits.append((t, snare, rng.uniform(-4, 0)))
        elif bar_step in (7, 15) and rng.random() < 0.5:
            hits.append((t, soft_snare, rng.uniform(-16, -8)))
        if bar_step == 14:
            hits.append((t, open_hat, rng.uniform(-14, -8)))
        elif step % 2 == 0:
            hits.append((t, hat, rng.uniform(-14, -6)))
        else:
            hits.append((t, hat, rng.uniform(-22, -14)))
    return to_peak(place(hits), 0)


@functools.lru_cache(maxsize=None)
def noisy_drums():
    """Broadband, noise-like drums: snares, claps of electronic snares, 16th hats, open hats
    and a crash over a kick, the kind of effects/percussion stem a limiter flattens."""
    rng = np.random.default_rng(2)
    kick, snare, esnare = sample("drum_heavy_kick"), sample("drum_snare_hard"), sample("elec_hi_snare")
    hat, open_hat, crash = sample("drum_cymbal_closed"), sample("drum_cymbal_open"), sample("drum_cymbal_hard")
    hits = []
    steps = int(SECONDS / BEAT) * 4
    for step in range(steps):
        t = step * BEAT / 4
        bar_step = step % 16
        if bar_step == 0:
            hits.append((t, crash, rng.uniform(-8, -3)))
        if bar_step in (0, 6, 10):
            hits.append((t, kick, rng.uniform(-6, -2)))
        if bar_step in (4, 12):
            hits.append((t, snare, rng.uniform(-3, 0)))
            hits.append((t, esnare, rng.uniform(-8, -4)))
        if rng.random() < 0.3:
            hits.append((t, esnare, rng.uniform(-18, -10)))
        hits.append((t, open_hat if bar_step in (2, 14) else hat, rng.uniform(-12, -4)))
    return to_peak(place(hits), 0)


def _notes(events, channel, program, notes, rng=None, vel=(60, 100)):
    """notes: (beat, length beats, pitch[, velocity]) -> MIDI events."""
    ticks = 480
    events.append((0, 0xC0 | channel, program, None))
    for note in notes:
        beat, length, pitch = note[:3]
        v = note[3] if len(note) > 3 else int(rng.integers(vel[0], vel[1] + 1))
        on = int(round(beat * ticks))
        events.append((on, 0x90 | channel, pitch, v))
        events.append((on + int(round(length * ticks)), 0x80 | channel, pitch, 0))


CHORDS = [(48, 52, 55, 60), (45, 52, 57, 60), (41, 48, 53, 57), (43, 50, 55, 59), (48, 52, 55, 60)]


@functools.lru_cache(maxsize=None)
def piano():
    """GM piano: chords on the beat and a melody on top, velocities spread (stereo)."""
    rng = np.random.default_rng(3)
    notes = []
    for bar, chord in enumerate(CHORDS):
        for beat in range(4):
            for p in chord[1:]:
                notes.append((bar * 4 + beat, 0.9, p + 12, int(rng.integers(40, 80))))
        notes.append((bar * 4, 3.8, chord[0], int(rng.integers(60, 90))))
        for beat in (0, 1.5, 2, 3):
            notes.append((bar * 4 + beat, 0.5, chord[int(rng.integers(0, 4))] + 24, int(rng.integers(70, 120))))
    events = []
    _notes(events, 0, 0, notes)
    return to_peak(fit(audio.fluidsynth(audio.midi(events)), FRAMES), 0)


@functools.lru_cache(maxsize=None)
def strings():
    """GM string ensemble pad, sustained chords (stereo)."""
    notes = [(bar * 4, 4, p, 80) for bar, chord in enumerate(CHORDS) for p in chord]
    events = []
    _notes(events, 0, 48, notes)
    return to_peak(fit(audio.fluidsynth(audio.midi(events)), FRAMES), 0)


@functools.lru_cache(maxsize=None)
def bass():
    """GM fingered bass, eighth notes on the roots, velocities spread (mono)."""
    rng = np.random.default_rng(4)
    notes = []
    for bar, chord in enumerate(CHORDS):
        for eighth in range(8):
            notes.append((bar * 4 + eighth / 2, 0.45, chord[0] - 12 + (12 if eighth == 6 else 0)))
    events = []
    _notes(events, 0, 33, notes, rng, (55, 110))
    return to_peak(fit(audio.fluidsynth(audio.midi(events)), FRAMES).mean(axis=1), 0)


@functools.lru_cache(maxsize=None)
def nylon():
    """GM nylon guitar arpeggios: plucked (mono)."""
    rng = np.random.default_rng(5)
    notes = []
    for bar, chord in enumerate(CHORDS):
        pattern = [chord[0], chord[2], chord[3], chord[1] + 12, chord[3], chord[2], chord[1] + 12, chord[3] + 12]
        for i, p in enumerate(pattern):
            notes.append((bar * 4 + i / 2, 1.5, p))
    events = []
    _notes(events, 0, 24, notes, rng, (45, 105))
    return to_peak(fit(audio.fluidsynth(audio.midi(events)), FRAMES).mean(axis=1), 0)


def _gm_line_render(program, seed, octave, octave_jumps, gain):
    """Eighth-note roots and fifths of the chords (and, with `octave_jumps`, the octave on the
    sixth eighth of each bar) with velocities from 50 to 127, rendered in stereo."""
    rng = np.random.default_rng(seed)
    notes = []
    for bar, chord in enumerate(CHORDS):
        for eighth in range(8):
            pitch = chord[0] - 12 + octave + (7 if eighth % 4 == 3 else 0)
            pitch += 12 if octave_jumps and eighth == 5 else 0
            notes.append((bar * 4 + eighth / 2, 0.45, pitch))
    events = []
    _notes(events, 0, program, notes, rng, (50, 127))
    return fit(audio.fluidsynth(audio.midi(events), gain=gain), FRAMES)


@functools.lru_cache(maxsize=None)
def gm_synth(program, seed, octave=0):
    """A General MIDI synthesizer or organ patch (FluidR3's looped single-cycle samples:
    every cycle of a held note alike) playing eighth-note roots and fifths with velocities
    from 50 to 127 (mono)."""
    return to_peak(_gm_line_render(program, seed, octave, False, 0.25).mean(axis=1), 0)


@functools.lru_cache(maxsize=None)
def gm_line(program, seed, octave=0, gain=0.15):
    """A General MIDI patch playing a line of eighth notes (roots, fifths and octaves of the
    chords) with velocities from 50 to 127 (stereo, as FluidR3 renders it; `gain` is
    fluidsynth's, under full scale for the loudest patches at 0.05)."""
    return to_peak(_gm_line_render(program, seed, octave, True, gain), 0)


@functools.lru_cache(maxsize=None)
def gm_chords(program, seed, power=False, gain=0.15):
    """A General MIDI patch holding the chords (or root-fifth-octave power chords) a beat at a
    time, each at its own velocity from 50 to 127 (stereo)."""
    rng = np.random.default_rng(seed)
    notes = []
    for bar, chord in enumerate(CHORDS):
        for beat in range(4):
            velocity = int(rng.integers(50, 128))
            pitches = (chord[0], chord[0] + 7, chord[0] + 12) if power else chord
            notes.extend((bar * 4 + beat, 0.95, p, velocity) for p in pitches)
    events = []
    _notes(events, 0, program, notes)
    return to_peak(fit(audio.fluidsynth(audio.midi(events), gain=gain), FRAMES), 0)


@functools.lru_cache(maxsize=None)
def gm_organ_chords():
    """General MIDI drawbar organ holding the chords at one velocity, as an organ plays
    (stereo)."""
    notes = [(bar * 4 + half * 2, 1.9, p, 100) for bar, chord in enumerate(CHORDS) for half in range(2) for p in chord]
    events = []
    _notes(events, 0, 16, notes)
    return to_peak(fit(audio.fluidsynth(audio.midi(events)), FRAMES), 0)


@functools.lru_cache(maxsize=None)
def gm_drums():
    """GM kit on channel 10 (stereo): kick, snare, hats, open hat, crash, velocities spread."""
    rng = np.random.default_rng(6)
    events = []
    for step in range(int(SECONDS / BEAT) * 4):
        beat = step / 4
        s = step % 16
        def hit(p, lo, hi):
            on = int(round(beat * 480))
            events.append((on, 0x99, p, int(rng.integers(lo, hi + 1))))
            events.append((on + 100, 0x89, p, 0))
        if s == 0 and step % 32 == 0:
            hit(49, 90, 115)
        if s in (0, 8, 11):
            hit(36, 90, 120)
        if s in (4, 12):
            hit(38, 85, 120)
        hit(46 if s == 14 else 42, 40, 90)
    return to_peak(fit(audio.fluidsynth(audio.midi(events)), FRAMES), 0)


# ---------------------------------------------------------------- tracks-holdout6

# (kit, note) pairs of FluidR3's General MIDI kits (bank 128, selected by program on channel 10):
# kicks, snares, a clap, toms, side stick, cowbell, bongo, conga, claves, wood block, tambourine.
GM_HITS = [
    (0, 36, "Standard_Kick"), (8, 38, "Room_Snare"), (16, 36, "Power_Kick"),
    (24, 40, "Electronic_Snare"), (25, 36, "TR808_Kick"), (25, 39, "TR808_Clap"),
    (32, 41, "Jazz_Floor_Tom"), (40, 38, "Brush_Snare"), (48, 45, "Orchestra_Tom"),
    (0, 48, "Standard_Hi_Tom"), (8, 37, "Room_Side_Stick"), (16, 56, "Power_Cowbell"),
    (0, 60, "Standard_Bongo"), (0, 63, "Standard_Conga"), (0, 75, "Standard_Claves"),
    (0, 76, "Standard_Wood_Block"),
]


def _velocity(velocities, i, rng):
    """The velocity of the `i`th hit of a pattern: "one" (100 every hit), "accents" (127, 70,
    100, 70 over and over) or else humanised (drawn from 60 to 127 by `rng`)."""
    if velocities == "one":
        return 100
    if velocities == "accents":
        return (127, 70, 100, 70)[i % 4]
    return int(rng.integers(60, 128))


@functools.lru_cache(maxsize=None)
def gm_hits(kit, note, bpm, velocities):
    """One General MIDI drum `note` of `kit` on every beat at `bpm`, rendered at RATE (mono:
    the channels' mean). `velocities`: "one" (100 every hit), "humanised" (drawn from 60 to 127,
    seeded by the kit and note: FluidR3 maps velocity to level and brightness) or "accents"
    (127, 70, 100, 70 over and over, as a sequencer plays accents)."""
    rng = np.random.default_rng(kit * 128 + note)
    ticks = 480
    tempo_us = int(round(60e6 / bpm))
    events = [(0, 0xC9, kit, None)]
    for i in range(int(SECONDS * bpm / 60) + 1):
        on = i * ticks
        events.append((on, 0x99, note, _velocity(velocities, i, rng)))
        events.append((on + 240, 0x89, note, 0))
    rendered = audio.fluidsynth(audio.midi(events, ticks, tempo_us), gain=0.3)
    return to_peak(fit(rendered, FRAMES).mean(axis=1), 0)


# Built after the held sign's aligned-RMS gate (tracks-holdout10): FluidR3's pitched percussion
# and other voices that ring on over the next beats (program, note, name).
GM_RINGS = [
    (14, 72, "Tubular_Bells"), (9, 84, "Glockenspiel"), (11, 65, "Vibraphone"), (8, 79, "Celesta"),
    (10, 84, "Music_Box"), (112, 84, "Tinkle_Bell"), (114, 67, "Steel_Drums"), (0, 60, "Piano"),
    (46, 55, "Harp"), (108, 69, "Kalimba"), (47, 45, "Timpani"), (13, 72, "Xylophone"),
]


@functools.lru_cache(maxsize=None)
def gm_rings(program, note, bpm, velocities, stereo=False):
    """General MIDI `note` of melodic `program` on every beat at `bpm`, each hit held for four
    beats on the next of four channels (so that its ring goes on under the next hits, as a
    sampler's one-shot voices do), rendered at RATE; mono (the channels' mean) unless `stereo`.
    `velocities` as `gm_hits`."""
    rng = np.random.default_rng(program * 128 + note)
    ticks = 480
    tempo_us = int(round(60e6 / bpm))
    events = [(0, 0xC0 | channel, program, None) for channel in range(4)]
    for i in range(int(SECONDS * bpm / 60) + 1):
        on, channel = i * ticks, i % 4
        events.append((on, 0x90 | channel, note, _velocity(velocities, i, rng)))
        events.append((on + 4 * ticks - 1, 0x80 | channel, note, 0))
    rendered = fit(audio.fluidsynth(audio.midi(events, ticks, tempo_us), gain=0.2), FRAMES)
    return to_peak(rendered if stereo else rendered.mean(axis=1), 0)


def _gm_kit(kit, seed, bpm, play):
    """A General MIDI kit (`kit`: its program on channel 10) at `bpm` for the whole length:
    `play(hit, step, bar, s16)` on every sixteenth note, where `hit(step, note, lo, hi)` plays
    `note` at a velocity drawn from lo to hi (seeded). In FluidR3's stereo (each piece panned
    as the soundfont places it)."""
    rng = np.random.default_rng(seed)
    events = [(0, 0xC9, kit, None)]
    ticks = 480

    def hit(step, note, lo, hi):
        on = step * ticks // 4
        events.append((on, 0x99, note, int(rng.integers(lo, hi + 1))))
        events.append((on + 100, 0x89, note, 0))

    for step in range(int(SECONDS * bpm / 60) * 4 + 4):
        bar, s16 = divmod(step, 16)
        play(hit, step, bar, s16)
    rendered = audio.fluidsynth(audio.midi(events, ticks, int(round(60e6 / bpm))), gain=0.3)
    return to_peak(fit(rendered, FRAMES), 0)


@functools.lru_cache(maxsize=None)
def gm_groove(kit, seed):
    """A General MIDI kit playing a groove at 100 BPM (kick, snare, closed and open hats, a tom
    fill every second bar, a crash every fourth), velocities humanised (seeded), in FluidR3's
    stereo."""
    def play(hit, step, bar, s16):
        if s16 == 0 and bar % 4 == 0:
            hit(step, 49, 90, 120)
        if s16 in (0, 6, 10):
            hit(step, 36, 80, 127)
        if s16 in (4, 12):
            hit(step, 38, 80, 127)
        if bar % 2 == 1 and s16 in (13, 14, 15):
            hit(step, (50, 47, 43)[s16 - 13], 70, 120)
        hit(step, 46 if s16 == 14 else 42, 40, 95)

    return _gm_kit(kit, seed, 100, play)


@functools.lru_cache(maxsize=None)
def gm_groove2(kit, seed, bpm, style):
    """A second General MIDI groove, unlike `gm_groove`'s: at `bpm`, with velocities humanised
    (seeded). `style` "ride": a half-time beat (kick on 1 and the "and" of 3, snare on 3) on a
    ride cymbal with its bell on the beat, a crash every fourth bar; "funk": sixteenth-note
    closed hats with accents, a syncopated kick, a snare on 2 and 4 with ghost notes, toms on
    the last beat of every fourth bar. In FluidR3's stereo."""
    def ride(hit, step, bar, s16):
        if s16 == 0 and bar % 4 == 0:
            hit(step, 57, 95, 125)
        if s16 in (0, 10):
            hit(step, 36, 85, 127)
        if s16 == 8:
            hit(step, 40, 90, 127)
        if s16 % 2 == 0:
            hit(step, 53 if s16 % 4 == 0 else 51, 50, 100)

    def funk(hit, step, bar, s16):
        if s16 in (0, 3, 7, 10):
            hit(step, 36, 80, 127)
        if s16 in (4, 12):
            hit(step, 38, 95, 127)
        if s16 in (6, 9, 15):
            hit(step, 38, 25, 50)
        if bar % 4 == 3 and s16 in (12, 13, 14, 15):
            hit(step, (48, 45, 43, 41)[s16 - 12], 75, 120)
        else:
            hit(step, 42, 60 if s16 % 4 == 0 else 30, 100 if s16 % 4 == 0 else 70)

    return _gm_kit(kit, seed, bpm, ride if style == "ride" else funk)


@functools.lru_cache(maxsize=None)
def gm_one_velocity_line(program, seed):
    """A General MIDI patch playing eighth-note roots, fifths and octaves of the chords, every
    note at velocity 100 (mono): a line whose notes differ, where a limiter finds one level."""
    notes = []
    for bar, chord in enumerate(CHORDS):
        for eighth in range(8):
            pitch = chord[0] - 12 + (7 if eighth % 4 == 3 else 0) + (12 if eighth == 5 else 0)
            notes.append((bar * 4 + eighth / 2, 0.45, pitch, 100))
    events = []
    _notes(events, 0, program, notes)
    return to_peak(fit(audio.fluidsynth(audio.midi(events), gain=0.2), FRAMES).mean(axis=1), 0)


@functools.lru_cache(maxsize=None)
def guitar():
    """Recorded electric guitar chords (sonic-pi guit_em9, guit_e_fifths), stereo."""
    em9, fifths = sample("guit_em9", 2), sample("guit_e_fifths", 2)
    return to_peak(place([(0.0, em9, 0.0), (5.0, fifths, -2.0)], channels=2), 0)


@functools.lru_cache(maxsize=None)
def ambient():
    """Recorded ambience: glass hum and drone layered (stereo)."""
    hum, drone, choir = sample("ambi_glass_hum", 2), sample("ambi_drone", 2), sample("ambi_choir", 2)
    return to_peak(place([(0.0, hum, 0.0), (1.0, drone, -4.0), (5.0, drone, -6.0), (7.5, choir, -3.0)], channels=2), 0)


@functools.lru_cache(maxsize=None)
def bass_sampler():
    """A sampler bass patch (sonic-pi bass_woodsy_c / bass_hit_c) retriggered (mono)."""
    woodsy, hit = sample("bass_woodsy_c"), sample("bass_hit_c")
    return to_peak(place([(0.0, woodsy, 0.0), (3.0, hit, -2.0), (4.0, woodsy, -3.0), (7.0, hit, 0.0), (8.0, hit, -4.0)]), 0)


LINES = [
    ("en-us", 150, 50, 0.4, "Walking down the empty road tonight, I can hear the city breathe."),
    ("en-us", 140, 55, 4.2, "Every light is calling out your name, and I keep moving on."),
    ("en-us+f3", 160, 60, 7.6, "Hold on, hold on."),
]


@functools.lru_cache(maxsize=None)
def speech():
    """espeak-ng phrases with gaps between them: a lead vocal as a track (mono)."""
    return to_peak(place([(at, audio.espeak(text, voice, speed, pitch), 0.0)
                          for voice, speed, pitch, at, text in LINES]), 0)


@functools.lru_cache(maxsize=None)
def speech_take2():
    """Another take of the vocal (other words, other timing): a replaced stem."""
    return to_peak(place([(0.7, audio.espeak("Another take of the same song, with other words in it.", "en-us", 145, 45), 0.0),
                          (5.0, audio.espeak("This is not the vocal that was in the mix.", "en-us", 155, 52), 0.0)]), 0)


@functools.lru_cache(maxsize=None)
def sine_guide():
    """A sine vocal guide: a melody of held notes with rests, 10 ms note edges (mono)."""
    melody = [(0.0, 1.0, 64), (1.0, 0.5, 67), (1.5, 1.5, 69), (3.5, 1.0, 67), (4.5, 1.0, 64),
              (5.5, 2.0, 62), (8.0, 1.5, 60)]
    t = np.arange(FRAMES) / RATE
    out = np.zeros(FRAMES)
    edge = int(0.01 * RATE)
    for start, length, note in melody:
        a, b = int(start * RATE), int((start + length) * RATE)
        f = 440 * 2 ** ((note - 69) / 12)
        seg = np.sin(2 * np.pi * f * t[a:b])
        ramp = np.ones(b - a)
        ramp[:edge] = np.linspace(0, 1, edge)
        ramp[-edge:] = np.linspace(1, 0, edge)
        out[a:b] += seg * ramp
    return to_peak(out, 0)


@functools.lru_cache(maxsize=None)
def sine_guide_dynamics():
    """The sine guide with each phrase at its own level (a guide that follows the singer's
    dynamics): its crest is over 4 dB, the old rule's tone exemption."""
    x = sine_guide().copy()
    levels = [(0.0, 1.5, 0.0), (1.5, 3.5, -4.0), (3.5, 5.5, -2.0), (5.5, 8.0, -6.0), (8.0, 10.0, -1.0)]
    for a, b, gain in levels:
        x[int(a * RATE):int(b * RATE)] *= 10 ** (gain / 20)
    return to_peak(x, 0)


@functools.lru_cache(maxsize=None)
def synth_kick_loop():
    """A synthetic kick (a 150->45 Hz sine sweep with a fast decay, sox synth) repeated on
    every beat, as a drum machine prints it."""
    hit = audio.synth(0.35, ["sine", "150-45", "fade", "q", "0.002", "0.35", "0.3"])
    return to_peak(place([(i * BEAT, hit, 0.0) for i in range(int(SECONDS / BEAT))]), 0)


@functools.lru_cache(maxsize=None)
def tremolo_sine():
    """A low sine with tremolo (sox synth + tremolo)."""
    return to_peak(audio.synth(SECONDS, ["sine", "82.4", "tremolo", "5", "60"]), 0)[:FRAMES]


@functools.lru_cache(maxsize=None)
def saw_di():
    """A sawtooth line at a constant level, as a synth DI prints it (sox synth)."""
    parts = [audio.synth(2.5, ["sawtooth", str(f)]) for f in (55.0, 73.42, 65.41, 49.0)]
    return to_peak(fit(np.vstack(parts), FRAMES), 0)


def synth_line(oscillator, seed, note=0.25, one_velocity=False):
    """A synthesizer line as a DI prints it: notes of `note` s on a bass scale, one in six at
    full velocity and the rest at 0.7 or 0.5 (seeded; all at full velocity with
    `one_velocity`, the same notes), each with a 5 ms attack and a 20 ms release; every
    note's cycles alike at its level (a digital oscillator, no drift).
    `oscillator(frequency, frames)` gives one note at full scale."""
    rng = np.random.default_rng(seed)
    scale = [41.2, 46.25, 55.0, 61.74, 73.42, 82.41, 98.0, 110.0]
    n = int(note * RATE)
    t = np.arange(n) / RATE
    envelope = np.minimum(t / 0.005, 1) * np.clip((note - t) / 0.02, 0, 1)
    notes = []
    for _ in range(int(SECONDS / note)):
        velocity = rng.choice([1.0, 0.7, 0.7, 0.5, 0.5, 0.7])
        velocity = 1.0 if one_velocity else velocity
        notes.append(oscillator(rng.choice(scale), n) * envelope * velocity)
    return to_peak(fit(np.concatenate(notes), FRAMES), 0)


def naive_saw(frequency, frames):
    """A sawtooth straight from its phase (aliased, as simple synths make it)."""
    return 2 * ((frequency * np.arange(frames) / RATE) % 1) - 1


def band_limited_saw(frequency, frames):
    t = np.arange(frames) / RATE
    harmonics = range(1, int(RATE / 2 * 0.9 / frequency) + 1)
    return sum(np.sin(2 * np.pi * k * frequency * t) * (-1) ** (k + 1) / k for k in harmonics) * 2 / np.pi


def organ(frequency, frames):
    """Three drawbars: the fundamental, the octave and the twelfth."""
    t = np.arange(frames) / RATE
    return sum(a * np.sin(2 * np.pi * k * frequency * t) for k, a in ((1, 1.0), (2, 0.5), (3, 0.3)))


def triangle(frequency, frames):
    return 1 - 4 * np.abs((frequency * np.arange(frames) / RATE) % 1 - 0.5)


def polyblep_square(frequency, frames):
    """A square as software synths make it: naive, with the sample either side of each edge
    corrected (PolyBLEP); its tops are exactly flat, reached from the other side."""
    dt = frequency / RATE
    phase = (frequency * np.arange(frames) / RATE) % 1

    def blep(t):
        out = np.zeros_like(t)
        a = t < dt
        b = t > 1 - dt
        out[a] = 2 * (t[a] / dt) - (t[a] / dt) ** 2 - 1
        out[b] = ((t[b] - 1) / dt) ** 2 + 2 * ((t[b] - 1) / dt) + 1
        return out

    return np.where(phase < 0.5, 1.0, -1.0) + blep(phase) - blep((phase + 0.5) % 1)


def trapezoid(frequency, frames):
    """A triangle clipped to a third of its swing and scaled back: a flat-topped waveform by
    design."""
    return np.clip(3 * triangle(frequency, frames), -1, 1)


@functools.lru_cache(maxsize=None)
def synth_lines():
    """The synthesizer DIs of `tracks-synth`, by name."""
    return {
        "saw": synth_line(naive_saw, 11),
        "saw_bl": synth_line(band_limited_saw, 12),
        "organ": synth_line(lambda f, n: organ(2 * f, n), 13, note=0.5),
        "triangle": synth_line(lambda f, n: triangle(4 * f, n), 14, note=0.2),
        "sine": synth_line(lambda f, n: np.sin(2 * np.pi * 4 * f * np.arange(n) / RATE), 15),
        "saw_one_velocity": synth_line(naive_saw, 11, one_velocity=True),
        "organ_one_velocity": synth_line(lambda f, n: organ(2 * f, n), 13, note=0.5, one_velocity=True),
    }


@functools.lru_cache(maxsize=None)
def pink():
    return to_peak(audio.synth(SECONDS, ["pinknoise"]), 0)


@functools.lru_cache(maxsize=None)
def white():
    return to_peak(audio.synth(SECONDS, ["whitenoise"]), 0)


def stereo(x, left=1.0, right=1.0):
    x = audio.as2d(x)[:, :1]
    return np.hstack([x * left, x * right])


def as_stereo(x):
    """x as it is when it has two channels, else its first channel in both."""
    x = audio.as2d(x)
    return x if x.shape[1] == 2 else stereo(x)


@functools.lru_cache(maxsize=None)
def reverb_vocal():
    """The vocal through a wide stereo reverb (sox reverb, stereo depth 100 %)."""
    wet = audio.sox(stereo(speech()), ["reverb", "60", "50", "100", "100", "20"], channels=2)
    return to_peak(fit(wet, FRAMES), 0)


@functools.lru_cache(maxsize=None)
def mix():
    """A song mix (stereo): drums, bass, piano, strings, vocal with reverb."""
    m = (stereo(drums(), 0.9, 0.9) * 10 ** (-6 / 20) + stereo(bass(), 1, 1) * 10 ** (-10 / 20)
         + piano() * 10 ** (-12 / 20) + strings() * 10 ** (-18 / 20) + reverb_vocal() * 10 ** (-8 / 20))
    return to_peak(m, 0)


@functools.lru_cache(maxsize=None)
def loop(name):
    """A recorded sample looped end to end to fill the clip (mono)."""
    x = sample(name)
    reps = int(np.ceil(FRAMES / len(x)))
    return to_peak(fit(np.vstack([x] * reps), FRAMES), 0)


@functools.lru_cache(maxsize=None)
def repeated(name, bpm):
    """One sample hit on every beat at `bpm` (mono)."""
    x = sample(name)
    beat = 60 / bpm
    return to_peak(place([(i * beat, x, 0.0) for i in range(int(SECONDS / beat) + 1)]), 0)


# ---------------------------------------------------------------- stereo programmes and drums
# for the ducked sign of `signal/limited` (LIMITER-DESIGN.md, "Ducked")


def delay(x, ms, fractional=False):
    """x (mono) late by `ms`, rounded to whole frames unless `fractional` (linear)."""
    if not fractional:
        n = int(round(ms * RATE / 1000))
        return np.concatenate([np.zeros(n), x])[:len(x)]
    n = ms * RATE / 1000.0
    i, f = int(n), n - int(n)
    y = np.concatenate([np.zeros(i + 1), x])[:len(x) + 1]
    return (1 - f) * y[1:len(x) + 1] + f * y[:len(x)]


def room(x, seed, ms=25, taps=12):
    """x (mono) with `taps` early reflections from 3 to `ms` ms, random gains (seeded)."""
    r = np.random.default_rng(seed)
    y = np.array(x, dtype=float)
    for _ in range(taps):
        y = y + r.uniform(-0.25, 0.25) * delay(x, r.uniform(3, ms))
    return y


def spaced_pair(x, seed, tau_ms):
    """x (mono) as a spaced pair of microphones hears it: the right one `tau_ms` later, each
    with its own reflections (stereo)."""
    return np.stack([room(x, seed), room(delay(x, tau_ms), seed + 1)], 1)


def haas(x, ms):
    """x's channels' mean in the left channel and `ms` later in the right (a Haas widener)."""
    m = x.mean(axis=1) if x.ndim > 1 else x
    return np.stack([m, delay(m, ms)], 1)


def mono(x):
    x = audio.as2d(x)
    return x.mean(axis=1)


def _resample(x, factor):
    n = int(len(x) / factor)
    return np.interp(np.arange(n) * factor, np.arange(len(x)), audio.as2d(x)[:, 0])


def drum_track(names, seed, gains=(-8, 0), pitch=0.03, bpm=120, every=1.0):
    """A close-miked drum played from recorded one-shots (`names`, picked at random), each hit
    at its own velocity (`gains` dB), tuning (± `pitch`) and timing (up to 10 ms late), on the
    beat at `bpm` (times `every`), some beats halved or dotted when `every` < 1.5 (mono)."""
    r = np.random.default_rng(seed)
    hits = []
    beat = 60 / bpm * every
    t = 0.0
    while t < SECONDS:
        x = _resample(sample(names[r.integers(len(names))]), 1 + r.uniform(-pitch, pitch))
        hits.append((t + r.uniform(0, 0.01), x, r.uniform(*gains)))
        t += beat * (r.choice([1, 1, 1, 0.5, 1.5]) if every < 1.5 else 1)
    return to_peak(place(hits)[:, 0], 0)


@functools.lru_cache(maxsize=None)
def drum_tracks():
    """Single drums and low instruments as tracks deliver them (mono): kicks (recorded and
    electronic, alone, with the kit's bleed, with a bass), toms, a snare, bass hits, and
    General MIDI timpani, contrabass, tuba, taiko, melodic tom and low piano."""
    t = {
        "Kick_Heavy": drum_track(["drum_heavy_kick"], 1),
        "Kick_Bass_Drum": drum_track(["drum_bass_hard", "drum_bass_soft"], 2),
        "Kick_808": drum_track(["bd_808"], 3, bpm=90),
        "Kick_Haus": drum_track(["bd_haus", "bd_tek"], 4),
        "Kick_Boom": drum_track(["bd_boom"], 5, bpm=70),
        "Kick_Fat": drum_track(["bd_fat", "bd_zum", "bd_klub"], 6),
        "Toms": drum_track(["drum_tom_lo_hard", "drum_tom_mid_hard", "drum_tom_lo_soft"], 7, every=0.5),
        "Floor_Tom": drum_track(["drum_tom_lo_hard", "drum_tom_lo_soft"], 8, every=0.5),
        "Snare": drum_track(["drum_snare_hard", "drum_snare_soft"], 9),
        "Electric_Kick": drum_track(["elec_hollow_kick", "elec_soft_kick"], 10),
        "Bass_Hits": drum_track(["bass_hit_c", "bass_drop_c"], 11, every=2.0),
    }
    hats = place([(i * 0.25, sample("drum_cymbal_closed"), -np.random.default_rng(i).uniform(0, 10))
                  for i in range(40)])[:, 0]
    hats = hats / np.max(np.abs(hats))
    t["Kick_Bleed"] = to_peak(t["Kick_Heavy"] + hats * 10 ** (-24 / 20), 0)
    t["Kick_Bleed_12"] = to_peak(t["Kick_Bass_Drum"] + hats * 10 ** (-12 / 20), 0)
    t["Kick_And_Bass"] = to_peak(t["Kick_Heavy"] * 0.7 + mono(gm_line(33, 777, -12)) * 0.5, 0)
    t["808_And_Bass"] = to_peak(t["Kick_808"] * 0.7 + mono(gm_line(38, 778, -12)) * 0.4, 0)
    for program, seed, octave, label in ((47, 779, -12, "GM_Timpani"), (43, 780, -12, "GM_Contrabass"),
                                         (58, 781, -12, "GM_Tuba"), (116, 782, -12, "GM_Taiko"),
                                         (117, 783, -12, "GM_Melodic_Tom"), (0, 784, -24, "GM_Piano_Low")):
        t[label] = to_peak(mono(gm_line(program, seed, octave)), 0)
    return t


def song_mix(i):
    """The i-th of the first set of song mixes (stereo): drums (a GM kit, the noisy kit or the
    played kit, out for an intro in most), a GM bass line, GM chords, often a lead and
    sometimes speech, at levels drawn per mix (seeded)."""
    r = np.random.default_rng(1000 + i)
    st = as_stereo
    g = lambda d: 10 ** (d / 20)
    kits = [gm_drums, noisy_drums, drums]
    basses = [32, 33, 34, 35, 36, 37, 38, 39]
    chords = [0, 4, 5, 24, 25, 26, 48, 49, 52, 88, 89, 19]
    leads = [56, 57, 61, 65, 66, 68, 71, 73, 40, 41, 81, 80, 22, 64]
    d = st(kits[r.integers(3)]()) * g(r.uniform(-9, -4))
    env = np.ones(FRAMES)
    if r.random() < 0.6:
        env[:int(FRAMES * r.uniform(0.1, 0.35))] = 0.0
    m = d * env[:, None]
    m = m + st(gm_line(int(r.choice(basses)), 300 + i, -12)) * g(r.uniform(-12, -6))
    m = m + st(gm_chords(int(r.choice(chords)), 400 + i)) * g(r.uniform(-18, -9))
    if r.random() < 0.8:
        m = m + st(gm_line(int(r.choice(leads)), 500 + i, int(r.choice([0, 12])))) * g(r.uniform(-16, -9))
    if r.random() < 0.4:
        m = m + st(speech_take2() if r.random() < 0.5 else speech()) * g(r.uniform(-12, -7))
    return to_peak(fit(m, FRAMES), 0)


def _four_on_the_floor(seed):
    r = np.random.default_rng(seed)
    return place([(i * 0.5, sample("bd_haus"), -r.uniform(0, 2)) for i in range(20)])[:, 0]


def song_mix_b(i):
    """The i-th of the second set of song mixes (stereo), built after the ducked sign's
    operating point: a kit with spaced overheads, the GM kit, four on the floor with hats, or
    the noisy kit; a bass line; chords, half of them Haas-widened; often a lead; sometimes
    speech in a stereo room; a breakdown 8 dB down (seeded)."""
    r = np.random.default_rng(5000 + i)
    st = as_stereo
    g = lambda d: 10 ** (d / 20)
    kind = i % 4
    if kind == 0:
        k = mono(drums())
        dr = 0.6 * st(k) + 0.6 * spaced_pair(k, 10 + i, r.uniform(0.3, 1.5))
    elif kind == 1:
        dr = gm_drums()
    elif kind == 2:
        hats = place([(j * 0.25 + 0.125, sample("drum_cymbal_closed"), -r.uniform(3, 9)) for j in range(40)])[:, 0]
        dr = st(_four_on_the_floor(i)) + 0.5 * np.stack([hats * 0.8, hats], 1)
    else:
        dr = st(noisy_drums())
    m = to_peak(dr, 0) * g(r.uniform(-8, -4))
    m = m + st(gm_line(int(r.choice([33, 34, 38, 39, 87])), 600 + i, -12)) * g(r.uniform(-11, -6))
    ch = gm_chords(int(r.choice([0, 4, 5, 16, 19, 24, 48, 50, 52, 89])), 700 + i)
    m = m + (haas(ch, r.uniform(8, 20)) if r.random() < 0.5 else ch) * g(r.uniform(-17, -9))
    if r.random() < 0.7:
        m = m + st(gm_line(int(r.choice([56, 61, 65, 71, 73, 81, 29, 30])), 800 + i,
                           int(r.choice([0, 12])))) * g(r.uniform(-16, -9))
    if r.random() < 0.5:
        v = mono(speech() if r.random() < 0.5 else speech_take2())
        m = m + np.stack([room(v, 900 + i, 60, 20), room(v, 950 + i, 60, 20)], 1) * g(r.uniform(-12, -7))
    env = np.ones(FRAMES)
    a = int(FRAMES * r.uniform(0.3, 0.5))
    env[a:a + int(FRAMES * 0.15)] = g(-8)
    return to_peak(fit(m * env[:, None], FRAMES), 0)


def beds():
    """A loud sustained bed with quiet attacks on it, unprocessed (stereo): a pad, strings, an
    organ, an ambience or a choir under hats, a shaker, a piano, a nylon guitar or a drum kit
    6-18 dB down. Their level hardly moves from one 100 ms to the next while transients come
    several times a second, as in a mix through a fast compressor: the hard negatives against
    which a "steady level with transients" sign for `signal/limited` was measured and dropped
    (LIMITER-DESIGN.md, "A fast compressor on a mix")."""
    g = lambda d: 10 ** (d / 20)
    unit = lambda x: as_stereo(x) / np.max(np.abs(x))

    def hats(seed, step=0.125, name="drum_cymbal_closed"):
        r = np.random.default_rng(seed)
        return place([(j * step, sample(name), -r.uniform(0, 8)) for j in range(int(SECONDS / step))])[:, 0]

    pad, strings_, kit = unit(gm_chords(89, 4001)), unit(strings()), unit(drums())
    return {
        "Pad_Hats_6dB": pad + unit(hats(3)) * g(-6),
        "Pad_Hats_12dB": pad + unit(hats(1)) * g(-12),
        "Pad_Hats_18dB": pad + unit(hats(2)) * g(-18),
        "Strings_Piano": strings_ + unit(piano()),
        "Strings_Piano_6dB": strings_ + unit(piano()) * g(-6),
        "Organ_Shaker_15dB": unit(gm_organ_chords()) + unit(hats(4, name="drum_cymbal_pedal")) * g(-15),
        "Ambient_Nylon_8dB": unit(ambient()) + unit(nylon()) * g(-8),
        "Pad_Drums_6dB": pad + kit * g(-6),
        "Pad_Drums_10dB": pad + kit * g(-10),
        "Strings_Drums_8dB": strings_ + kit * g(-8),
        "Synth_Bass_Hats_3dB": unit(gm_chords(38, 4002)) + unit(hats(5, 0.25)) * g(-3),
        "Choir_GM_Drums_9dB": unit(gm_chords(52, 4003)) + unit(gm_drums()) * g(-9),
    }


def stereo_non_mixes():
    """Stereo material that is not a mix, for the second set: a kit's spaced overheads (two
    spacings), the kit close-miked and with overheads, four on the floor with a sub bass, an
    orchestral texture (strings, brass chords, timpani), toms heard by a spaced pair."""
    k = mono(drums())
    toms = place([(j * 0.25, sample(["drum_tom_lo_hard", "drum_tom_mid_hard", "drum_tom_hi_hard"][j % 3]),
                   -(j % 5)) for j in range(40)])[:, 0]
    return {
        "Overheads_A": spaced_pair(k, 31, 0.8),
        "Overheads_B": spaced_pair(k, 32, 1.6),
        "Kit_Stereo": 0.7 * as_stereo(k) + 0.5 * spaced_pair(k, 33, 1.1),
        "EDM_Kick_Sub": as_stereo(_four_on_the_floor(1)) + 0.5 * as_stereo(gm_line(38, 41, -24)),
        "Orchestral": as_stereo(strings()) * 0.5 + gm_chords(61, 42) * 0.4 + as_stereo(gm_line(47, 43, -12)) * 0.5,
        "Room_Toms": spaced_pair(toms, 34, 1.0),
    }


# ---------------------------------------------------------------- recorded stereo samples,
# looped and bounced (`tracks-freesound`)

# Stereo samples of sonic-pi-samples (freesound.org recordings) no other set uses: loops,
# one-shots, ambiences and synth basses.
FREESOUND_STEREO = (
    "loop_amen_full", "loop_breakbeat", "loop_compus", "loop_safari", "loop_mika", "loop_garzul",
    "loop_3d_printer", "loop_electric", "loop_perc1", "loop_perc2", "loop_weirdo",
    "loop_drone_g_97", "loop_industrial", "loop_mehackit1", "loop_mehackit2", "misc_cineboom",
    "perc_bell", "perc_bell2", "ambi_haunted_hum", "ambi_sauna", "ambi_lunar_land",
    "ambi_dark_woosh", "bass_thick_c", "bass_trance_c", "bass_hard_c", "glitch_bass_g",
    "glitch_perc1", "mehackit_robot4", "vinyl_rewind", "perc_door",
)


@functools.lru_cache(maxsize=None)
def bounced_loop(name):
    """A stereo sample looped end to end at its own rate (44.1 kHz) to fill the clip, then the
    whole converted to RATE: a 44.1 kHz session bounced and converted for a 48 kHz delivery,
    whose repeats fall a fraction of a sample apart (not the same numbers)."""
    path = os.path.join(audio.samples_dir(), name + ".flac")
    seconds = float(audio.run(["soxi", "-D", path]).decode().strip())
    repeats = max(0, int(np.ceil(SECONDS / seconds)) - 1)
    raw = audio.tmpfile(".f32")
    # 12 dB of headroom through the rate conversion, as `audio.load`.
    audio.run(["sox", "-R", "-D", path, "-t", "f32", "-c", "2", raw, "vol", "0.25",
               "repeat", str(repeats), "trim", "0", str(SECONDS), "rate", "-v", str(RATE)])
    return to_peak(fit(audio.read_raw(raw, 2) * 4.0, FRAMES), 0)


# One-shots of sonic-pi-samples repeated at a tempo whose beat is no whole number of samples,
# in a 44.1 kHz session bounced and converted to 48 kHz (`tracks-bounced`).
BOUNCED_ONE_SHOTS = (
    "bd_808", "bd_ada", "bd_boom", "bd_fat", "bd_gas", "bd_klub", "bd_pure", "bd_sone", "bd_tek",
    "bd_zome", "bd_zum", "sn_dolf", "sn_dub", "sn_generic", "sn_zome", "elec_hi_snare",
    "elec_lo_snare", "elec_mid_snare", "elec_filt_snare", "elec_hollow_kick", "elec_fuzz_tom",
    "drum_tom_mid_hard", "drum_bass_hard", "perc_snap", "perc_impact1", "tabla_na", "tabla_te_ne",
    "tabla_ghe1",
)


# Built after this stop's dc-offset and pinned-sign gates as a hold-out (tracks-holdout4): one-shots
# no other set uses.
HOLDOUT4_ONE_SHOTS = (
    "drum_cowbell", "drum_cymbal_pedal", "drum_splash_soft", "drum_tom_hi_soft", "drum_tom_mid_soft",
    "elec_snare", "elec_wood", "elec_pop", "elec_bong", "perc_impact2", "perc_snap2", "perc_till",
    "bd_mehackit", "tabla_dhec", "tabla_ghe2", "tabla_re", "tabla_tun1", "tabla_te1", "glitch_perc2",
    "glitch_perc3", "bass_voxy_hit_c", "bass_dnb_f", "elec_twang", "misc_burp",
)

# Built after the held sign's loop gate and the exact ceiling's 30 % (tracks-holdout5): the
# one-shots left.
HOLDOUT5_ONE_SHOTS = (
    "tabla_ghe3", "tabla_ghe4", "tabla_ghe6", "tabla_ke2", "tabla_na_o", "tabla_na_s", "tabla_tas1",
    "tabla_te2", "tabla_te_m", "tabla_tun3", "elec_bell", "elec_blip2", "elec_blup", "elec_chime",
    "elec_cymbal", "elec_flip", "elec_ping", "elec_plip", "elec_triangle", "glitch_perc4",
    "glitch_perc5", "mehackit_robot3", "misc_crow", "drum_cymbal_soft",
)


@functools.lru_cache(maxsize=None)
def bounced_hits(name, bpm, humanised=False, offset=0.0):
    """One-shot `name` (mono) on every beat at `bpm` in a 44.1 kHz session, the bounce converted
    to RATE. `humanised`: each hit's velocity drawn within 6 dB (seeded by the name). `offset`:
    added to the one-shot over its whole length, in units of its peak (a sample recorded through
    a converter with a DC offset and trimmed: the offset sounds under each hit, the silence
    between the hits sits at zero)."""
    native = 44100
    path = os.path.join(audio.samples_dir(), name + ".flac")
    raw = audio.tmpfile(".f32")
    audio.run(["sox", "-R", "-D", path, "-t", "f32", "-r", str(native), "-c", "1", raw, "vol", "0.25"])
    hit = audio.read_raw(raw, 1)[:, 0] * 4.0
    hit = hit + offset * np.max(np.abs(hit))
    return _bounce(hit, bpm, humanised, sum(map(ord, name)))


def _bounce(hit, bpm, humanised, seed):
    """`hit` (mono, 44.1 kHz) on every beat at `bpm` in a 44.1 kHz session, the bounce converted
    to RATE; humanised: each hit's velocity drawn within 6 dB (seeded by `seed`)."""
    native = 44100
    frames = SECONDS * native
    out = np.zeros(frames + len(hit))
    beat = 60.0 / bpm * native
    rng = np.random.default_rng(seed)
    i = 0
    while i * beat < frames:
        start = int(round(i * beat))
        gain = 10 ** (-rng.uniform(0, 6) / 20) if humanised else 1.0
        out[start:start + len(hit)] += hit * gain
        i += 1
    # 12 dB of headroom through the rate conversion, as `audio.load`.
    out = out[:frames] / max(np.max(np.abs(out)), 1e-9) * 0.25
    src = audio.tmpfile(".f32")
    out.astype("<f4").tofile(src)
    dst = audio.tmpfile(".f32")
    audio.run(["sox", "-t", "f32", "-r", str(native), "-c", "1", src, "-t", "f32", "-c", "1", dst,
               "rate", "-v", str(RATE)])
    return to_peak(fit(audio.read_raw(dst, 1) * 4.0, FRAMES), 0)


# Built after the held sign's aligned-RMS gate (tracks-holdout11): General MIDI voices that ring
# for seconds, as one-shots (program, note, name); none is a voice-and-note of GM_RINGS.
GM_RINGING_ONE_SHOTS = [
    (14, 76, "Tubular_Bells"), (9, 88, "Glockenspiel"), (11, 69, "Vibraphone"), (8, 84, "Celesta"),
    (10, 79, "Music_Box"), (112, 88, "Tinkle_Bell"), (114, 72, "Steel_Drums"), (98, 72, "Crystal"),
    (4, 64, "Electric_Piano"), (55, 60, "Orchestra_Hit"), (31, 64, "Guitar_Harmonics"),
    (113, 72, "Agogo"), (116, 48, "Taiko"), (117, 50, "Melodic_Tom"), (6, 67, "Harpsichord"),
    (12, 67, "Marimba"),
]


@functools.lru_cache(maxsize=None)
def gm_one_shot(program, note):
    """One General MIDI note of melodic `program` at velocity 100, held 2.5 s and rendered for
    3 s at 44.1 kHz (mono: the channels' mean): a one-shot that rings on under the next beats."""
    events = [(0, 0xC0, program, None), (0, 0x90, note, 100), (2400, 0x80, note, 0)]
    mid = audio.tmpfile(".mid")
    with open(mid, "wb") as f:
        f.write(audio.midi(events))
    wav = audio.tmpfile(".wav")
    audio.run(["fluidsynth", "-ni", "-q", "-g", "0.2", "-r", "44100", "-O", "float", "-F", wav,
               audio.SOUNDFONT, mid])
    raw = audio.tmpfile(".f32")
    audio.run(["sox", wav, "-t", "f32", "-c", "1", raw])
    return audio.read_raw(raw, 1)[:, 0]


def bounced_gm_one_shot(program, note, bpm, humanised=False):
    """`gm_one_shot` on every beat at `bpm`, bounced as `bounced_hits` bounces a sample."""
    return _bounce(gm_one_shot(program, note), bpm, humanised, program * 128 + note)


# Speakers for `tracks-holdout12`: espeak-ng's own voices (no MBROLA) in 16 languages and
# accents, each with a voice variant, a speed and a pitch. Their words are the same four lines
# read in each speaker's language's phonetics (espeak reads English words by the language's
# rules: a speaker of it, not a translation).
SPEAKERS = [
    ("en-us+f2", 150, 55), ("en-gb+m3", 165, 45), ("en-gb-scotland+m1", 140, 50),
    ("en-029+f4", 170, 60), ("de+m4", 155, 40), ("fr-fr+f1", 160, 62), ("es+m2", 175, 48),
    ("it+f3", 150, 58), ("pt-br+m7", 145, 42), ("nl+f5", 158, 66), ("sv+m5", 150, 38),
    ("pl+f2", 165, 52), ("ru+m3", 140, 44), ("hi+f4", 155, 64), ("en-us-nyc+m6", 180, 50),
    ("cy+f1", 148, 56),
]

SPEAKER_LINES = [
    "We left the harbour before the sun came up, and nobody said a word.",
    "Turn the radio down, I want to hear the rain.",
    "If you find this letter, keep it somewhere safe until I come back for it.",
    "Nine boats, three bridges, and one long road home.",
    "She laughed, and for a moment the whole room was quiet.",
    "Tell me again why we never went back.",
]


@functools.lru_cache(maxsize=None)
def speaker(index, sparse=False):
    """One speaker of SPEAKERS reading three lines of SPEAKER_LINES with gaps drawn between
    them, each line at its own level (a read varies by 2-3 dB from line to line); `sparse`
    leaves most of the file silent (a few lines in a long scene). Mono, peak 0 dBFS."""
    voice, speed, pitch = SPEAKERS[index]
    rng = np.random.default_rng(1200 + index + (100 if sparse else 0))
    lines = rng.choice(len(SPEAKER_LINES), size=2 if sparse else 3, replace=False)
    t = float(rng.uniform(0.2, 0.8 if not sparse else 2.0))
    hits = []
    for n in lines:
        x = audio.espeak(SPEAKER_LINES[int(n)], voice, speed, pitch)
        hits.append((t, x, float(rng.uniform(-3.0, 0.0))))
        t += len(x) / RATE + float(rng.uniform(0.3, 1.2 if not sparse else 3.0))
    return to_peak(place(hits), 0)
