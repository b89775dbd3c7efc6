//! RIFF / RF64 / BW64 chunk reader: `fmt ` (incl. WAVE_FORMAT_EXTENSIBLE), `ds64`, `data`,
//! `bext` and `iXML`.
