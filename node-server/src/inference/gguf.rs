//! A minimal GGUF (version 3) writer: metadata key/values and F32 tensors, nothing more.
//!
//! Layout: header (`GGUF`, version, tensor count, kv count), the key/values, the tensor infos, zero padding
//! to the alignment, then the tensor data, each tensor padded to the alignment. Every number is
//! little-endian; a string is a u64 byte length followed by the bytes (no NUL).

/// GGUF value type ids used by this writer.
const TYPE_U32: u32 = 4;
const TYPE_I32: u32 = 5;
const TYPE_F32: u32 = 6;
const TYPE_BOOL: u32 = 7;
const TYPE_STRING: u32 = 8;
const TYPE_ARRAY: u32 = 9;

/// ggml tensor type id of F32.
const GGML_TYPE_F32: u32 = 0;

/// The metadata key that records the data alignment.
const ALIGNMENT_KEY: &str = "general.alignment";

/// A metadata value. llama.cpp checks value types exactly, so the variant must match what it expects.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `u32`.
    U32(u32),
    /// `f32`.
    F32(f32),
    /// `bool`, stored as one byte.
    Bool(bool),
    /// A UTF-8 string.
    Str(String),
    /// An array of strings.
    StrArray(Vec<String>),
    /// An array of `i32`.
    I32Array(Vec<i32>),
}

/// An F32 tensor: `dims` are ggml's `ne` (fastest-varying dimension first, i.e. a numpy shape reversed).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tensor {
    pub(crate) name: String,
    pub(crate) dims: Vec<u64>,
    pub(crate) data: Vec<f32>,
}

/// Collects metadata and tensors, then serialises them in insertion order.
#[derive(Debug)]
pub(crate) struct GgufWriter {
    alignment: u32,
    metadata: Vec<(String, Value)>,
    tensors: Vec<Tensor>,
}

impl GgufWriter {
    /// A writer whose data section is aligned to `alignment` bytes (recorded as `general.alignment`).
    ///
    /// # Panics
    /// If `alignment` is not a power of two of at least 32: llama.cpp aborts the process on smaller ones.
    pub(crate) fn new(alignment: u32) -> Self {
        assert!(
            alignment >= 32 && alignment.is_power_of_two(),
            "GGUF alignment must be a power of two >= 32"
        );
        Self {
            alignment,
            metadata: vec![(ALIGNMENT_KEY.to_owned(), Value::U32(alignment))],
            tensors: Vec::new(),
        }
    }

    /// Adds one metadata key/value.
    pub(crate) fn metadata(&mut self, key: &str, value: Value) {
        self.metadata.push((key.to_owned(), value));
    }

    /// Adds one tensor.
    ///
    /// # Panics
    /// If the element count does not match `dims`.
    pub(crate) fn tensor(&mut self, tensor: Tensor) {
        let elements: u64 = tensor.dims.iter().product();
        assert_eq!(
            u64::try_from(tensor.data.len()).ok(),
            Some(elements),
            "tensor {} has the wrong number of elements",
            tensor.name
        );
        self.tensors.push(tensor);
    }

    /// Serialises the whole file.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(b"GGUF");
        put_u32(&mut out, 3);
        put_len(&mut out, self.tensors.len());
        put_len(&mut out, self.metadata.len());
        for (key, value) in &self.metadata {
            put_str(&mut out, key);
            put_value(&mut out, value);
        }
        let mut offset = 0;
        for tensor in &self.tensors {
            put_str(&mut out, &tensor.name);
            put_u32(
                &mut out,
                u32::try_from(tensor.dims.len()).expect("at most 4 dims"),
            );
            for &dim in &tensor.dims {
                out.extend_from_slice(&dim.to_le_bytes());
            }
            put_u32(&mut out, GGML_TYPE_F32);
            put_len(&mut out, offset);
            offset += self.padded(size_of_val(tensor.data.as_slice()));
        }
        self.pad(&mut out);
        for tensor in &self.tensors {
            for value in &tensor.data {
                out.extend_from_slice(&value.to_le_bytes());
            }
            self.pad(&mut out);
        }
        out
    }

    fn padded(&self, len: usize) -> usize {
        len.next_multiple_of(self.alignment as usize)
    }

    fn pad(&self, out: &mut Vec<u8>) {
        out.resize(self.padded(out.len()), 0);
    }
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Lengths, counts and offsets are u64 in GGUF.
fn put_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&(len as u64).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, value: &str) {
    put_len(out, value.len());
    out.extend_from_slice(value.as_bytes());
}

fn put_array_header(out: &mut Vec<u8>, element_type: u32, len: usize) {
    put_u32(out, TYPE_ARRAY);
    put_u32(out, element_type);
    put_len(out, len);
}

fn put_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::U32(v) => {
            put_u32(out, TYPE_U32);
            put_u32(out, *v);
        }
        Value::F32(v) => {
            put_u32(out, TYPE_F32);
            out.extend_from_slice(&v.to_le_bytes());
        }
        Value::Bool(v) => {
            put_u32(out, TYPE_BOOL);
            out.push(u8::from(*v));
        }
        Value::Str(v) => {
            put_u32(out, TYPE_STRING);
            put_str(out, v);
        }
        Value::StrArray(values) => {
            put_array_header(out, TYPE_STRING, values.len());
            for v in values {
                put_str(out, v);
            }
        }
        Value::I32Array(values) => {
            put_array_header(out, TYPE_I32, values.len());
            for v in values {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader for exactly what the writer produces, independent of it: it follows the GGUF spec.
    struct Reader<'a> {
        bytes: &'a [u8],
        pos: usize,
    }

    impl Reader<'_> {
        fn take(&mut self, n: usize) -> &[u8] {
            let slice = &self.bytes[self.pos..self.pos + n];
            self.pos += n;
            slice
        }
        fn u32(&mut self) -> u32 {
            u32::from_le_bytes(self.take(4).try_into().unwrap())
        }
        fn u64(&mut self) -> u64 {
            u64::from_le_bytes(self.take(8).try_into().unwrap())
        }
        fn string(&mut self) -> String {
            let len = self.u64() as usize;
            String::from_utf8(self.take(len).to_vec()).unwrap()
        }
        fn value(&mut self, type_id: u32) -> Value {
            match type_id {
                TYPE_U32 => Value::U32(self.u32()),
                TYPE_F32 => Value::F32(f32::from_bits(self.u32())),
                TYPE_BOOL => Value::Bool(self.take(1)[0] != 0),
                TYPE_STRING => Value::Str(self.string()),
                TYPE_ARRAY => {
                    let element_type = self.u32();
                    let len = self.u64() as usize;
                    match element_type {
                        TYPE_STRING => Value::StrArray((0..len).map(|_| self.string()).collect()),
                        TYPE_I32 => {
                            Value::I32Array((0..len).map(|_| self.u32().cast_signed()).collect())
                        }
                        other => panic!("unexpected array element type {other}"),
                    }
                }
                other => panic!("unexpected value type {other}"),
            }
        }
    }

    struct Parsed {
        metadata: Vec<(String, Value)>,
        /// (name, dims, type, offset)
        infos: Vec<(String, Vec<u64>, u32, u64)>,
        data_start: usize,
    }

    fn parse(bytes: &[u8]) -> Parsed {
        let mut r = Reader { bytes, pos: 0 };
        assert_eq!(r.take(4), b"GGUF");
        assert_eq!(r.u32(), 3);
        let n_tensors = r.u64();
        let n_kv = r.u64();
        let metadata = (0..n_kv)
            .map(|_| {
                let key = r.string();
                let type_id = r.u32();
                (key, r.value(type_id))
            })
            .collect();
        let infos = (0..n_tensors)
            .map(|_| {
                let name = r.string();
                let n_dims = r.u32();
                let dims = (0..n_dims).map(|_| r.u64()).collect();
                (name, dims, r.u32(), r.u64())
            })
            .collect();
        Parsed {
            metadata,
            infos,
            data_start: r.pos.next_multiple_of(32),
        }
    }

    fn sample_writer() -> GgufWriter {
        let mut w = GgufWriter::new(32);
        w.metadata("general.architecture", Value::Str("llama".into()));
        w.metadata("a.u32", Value::U32(7));
        w.metadata("a.f32", Value::F32(1.5));
        w.metadata("a.bool", Value::Bool(true));
        w.metadata("a.strs", Value::StrArray(vec!["x".into(), "▁".into()]));
        w.metadata("a.i32s", Value::I32Array(vec![-1, 2]));
        // 3 floats = 12 bytes (padded to 32), then 2x5 floats = 40 bytes (padded to 64).
        w.tensor(Tensor {
            name: "t0".into(),
            dims: vec![3],
            data: vec![1.0, 2.0, 3.0],
        });
        w.tensor(Tensor {
            name: "t1".into(),
            dims: vec![5, 2],
            data: (0..10u8).map(f32::from).collect(),
        });
        w
    }

    #[test]
    fn metadata_round_trips_with_exact_types() {
        let parsed = parse(&sample_writer().to_bytes());
        let keys: Vec<_> = parsed.metadata.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "general.alignment",
                "general.architecture",
                "a.u32",
                "a.f32",
                "a.bool",
                "a.strs",
                "a.i32s"
            ]
        );
        assert_eq!(parsed.metadata[0].1, Value::U32(32));
        assert_eq!(parsed.metadata[3].1, Value::F32(1.5));
        assert_eq!(parsed.metadata[4].1, Value::Bool(true));
        assert_eq!(
            parsed.metadata[5].1,
            Value::StrArray(vec!["x".into(), "▁".into()])
        );
        assert_eq!(parsed.metadata[6].1, Value::I32Array(vec![-1, 2]));
    }

    #[test]
    fn tensor_offsets_are_the_running_padded_total() {
        let bytes = sample_writer().to_bytes();
        let parsed = parse(&bytes);
        assert_eq!(
            parsed.infos,
            [
                ("t0".to_owned(), vec![3], GGML_TYPE_F32, 0),
                ("t1".to_owned(), vec![5, 2], GGML_TYPE_F32, 32),
            ]
        );
        assert_eq!(parsed.data_start % 32, 0);
        assert_eq!(bytes.len(), parsed.data_start + 32 + 64);
        let float_at = |offset: usize| {
            let at = parsed.data_start + offset;
            f32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
        };
        assert_eq!(float_at(8), 3.0);
        assert_eq!(float_at(32 + 9 * 4), 9.0);
        // The padding is zeros.
        assert!(
            bytes[parsed.data_start + 12..parsed.data_start + 32]
                .iter()
                .all(|&b| b == 0)
        );
    }

    #[test]
    fn infos_end_is_padded_to_the_alignment() {
        let mut w = GgufWriter::new(64);
        w.tensor(Tensor {
            name: "t".into(),
            dims: vec![1],
            data: vec![4.0],
        });
        let bytes = w.to_bytes();
        assert_eq!(bytes.len() % 64, 0);
        assert_eq!(
            &bytes[bytes.len() - 64..bytes.len() - 60],
            &4.0f32.to_le_bytes()
        );
    }

    #[test]
    #[should_panic(expected = "alignment")]
    fn small_alignment_is_rejected() {
        let _ = GgufWriter::new(8);
    }

    #[test]
    #[should_panic(expected = "wrong number of elements")]
    fn shape_mismatch_is_rejected() {
        GgufWriter::new(32).tensor(Tensor {
            name: "t".into(),
            dims: vec![2, 2],
            data: vec![0.0; 3],
        });
    }
}
