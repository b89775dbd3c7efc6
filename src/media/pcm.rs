//! Block reader for PCM WAV/RF64 data: a reused buffer, samples converted in place.
