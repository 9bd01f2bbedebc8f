//! A restricted pickle reader for the `data.pkl` of a `torch.save` archive.
//!
//! It implements the data opcodes of pickle protocols 2 to 5 (containers,
//! numbers, strings, memo, marks, frames) and resolves `GLOBAL` and
//! `STACK_GLOBAL` only for the names a state_dict needs:
//!
//! - `collections.OrderedDict`, called with no arguments or with a list of
//!   pairs, and given its attribute dict (the `_metadata` of a state_dict)
//!   through `BUILD`, which is read and dropped;
//! - `torch._utils._rebuild_tensor_v2` and `torch._utils._rebuild_parameter`,
//!   which become tensor descriptions;
//! - the `torch.*Storage` classes, only inside persistent ids.
//!
//! Any other global, and every opcode that imports by extension code or
//! builds class instances (`INST`, `OBJ`, `NEWOBJ`, `NEWOBJ_EX`, `EXT*`), is
//! rejected with an error naming it. Nothing is ever imported or called: the
//! reader only builds [`Value`]s.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::error::PickleError;
use super::tensor::DType;

/// Maximum nesting depth of containers. A state_dict nests three levels (the
/// dict, a tensor's argument tuple, its size tuple), so only a crafted pickle
/// reaches the limit, which keeps dropping its values from exhausting the stack.
const MAX_DEPTH: usize = 100;

/// A value built by the pickle reader.
///
/// The payloads of `Bool`, `Float` and `Bytes` are kept for `Debug` output;
/// no state_dict field needs them.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    Tuple(Rc<Container<Value>>),
    List(Rc<RefCell<Container<Value>>>),
    Dict(Rc<RefCell<Container<(Value, Value)>>>),
    Global(Global),
    Storage(Rc<StorageRef>),
    Tensor(Rc<TensorRef>),
}

/// Items of a container and its nesting depth.
#[derive(Debug, Default)]
pub(crate) struct Container<T> {
    pub items: Vec<T>,
    depth: usize,
}

/// A global the reader allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Global {
    OrderedDict,
    RebuildTensorV2,
    RebuildParameter,
    Storage(DType),
}

/// A storage named by a persistent id: `archive/data/{key}` in the zip.
#[derive(Debug)]
pub(crate) struct StorageRef {
    pub key: String,
    pub dtype: DType,
}

/// A tensor as `_rebuild_tensor_v2` describes it, in elements of its storage.
#[derive(Debug)]
pub(crate) struct TensorRef {
    pub storage: Rc<StorageRef>,
    pub offset: usize,
    pub shape: Vec<usize>,
    pub strides: Vec<usize>,
}

impl Value {
    /// Python type of the value, for error messages.
    pub(crate) fn kind(&self) -> String {
        match self {
            Value::None => "None".to_string(),
            Value::Bool(_) => "bool".to_string(),
            Value::Int(_) => "int".to_string(),
            Value::Float(_) => "float".to_string(),
            Value::Str(_) => "str".to_string(),
            Value::Bytes(_) => "bytes".to_string(),
            Value::Tuple(_) => "tuple".to_string(),
            Value::List(_) => "list".to_string(),
            Value::Dict(_) => "dict".to_string(),
            Value::Global(global) => format!("global `{}`", global.name()),
            Value::Storage(_) => "storage".to_string(),
            Value::Tensor(_) => "tensor".to_string(),
        }
    }

    fn depth(&self) -> usize {
        match self {
            Value::Tuple(tuple) => tuple.depth,
            Value::List(list) => list.borrow().depth,
            Value::Dict(dict) => dict.borrow().depth,
            _ => 0,
        }
    }
}

impl Global {
    fn resolve(module: &str, name: &str) -> Option<Self> {
        let storage = |dtype| Some(Global::Storage(dtype));
        match (module, name) {
            ("collections", "OrderedDict") => Some(Global::OrderedDict),
            ("torch._utils", "_rebuild_tensor_v2") => Some(Global::RebuildTensorV2),
            ("torch._utils", "_rebuild_parameter") => Some(Global::RebuildParameter),
            ("torch", "FloatStorage") => storage(DType::F32),
            ("torch", "DoubleStorage") => storage(DType::F64),
            ("torch", "HalfStorage") => storage(DType::F16),
            ("torch", "BFloat16Storage") => storage(DType::BF16),
            ("torch", "LongStorage") => storage(DType::I64),
            ("torch", "IntStorage") => storage(DType::I32),
            ("torch", "ShortStorage") => storage(DType::I16),
            ("torch", "CharStorage") => storage(DType::I8),
            ("torch", "ByteStorage") => storage(DType::U8),
            ("torch", "BoolStorage") => storage(DType::Bool),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Global::OrderedDict => "collections.OrderedDict",
            Global::RebuildTensorV2 => "torch._utils._rebuild_tensor_v2",
            Global::RebuildParameter => "torch._utils._rebuild_parameter",
            Global::Storage(DType::F32) => "torch.FloatStorage",
            Global::Storage(DType::F64) => "torch.DoubleStorage",
            Global::Storage(DType::F16) => "torch.HalfStorage",
            Global::Storage(DType::BF16) => "torch.BFloat16Storage",
            Global::Storage(DType::I64) => "torch.LongStorage",
            Global::Storage(DType::I32) => "torch.IntStorage",
            Global::Storage(DType::I16) => "torch.ShortStorage",
            Global::Storage(DType::I8) => "torch.CharStorage",
            Global::Storage(DType::U8) => "torch.ByteStorage",
            Global::Storage(DType::Bool) => "torch.BoolStorage",
        }
    }
}

mod op {
    pub const MARK: u8 = b'(';
    pub const STOP: u8 = b'.';
    pub const POP: u8 = b'0';
    pub const POP_MARK: u8 = b'1';
    pub const DUP: u8 = b'2';
    pub const BININT: u8 = b'J';
    pub const BININT1: u8 = b'K';
    pub const BININT2: u8 = b'M';
    pub const NONE: u8 = b'N';
    pub const BINPERSID: u8 = b'Q';
    pub const REDUCE: u8 = b'R';
    pub const BINSTRING: u8 = b'T';
    pub const SHORT_BINSTRING: u8 = b'U';
    pub const BINUNICODE: u8 = b'X';
    pub const APPEND: u8 = b'a';
    pub const BUILD: u8 = b'b';
    pub const GLOBAL: u8 = b'c';
    pub const DICT: u8 = b'd';
    pub const EMPTY_DICT: u8 = b'}';
    pub const APPENDS: u8 = b'e';
    pub const BINGET: u8 = b'h';
    pub const LONG_BINGET: u8 = b'j';
    pub const LIST: u8 = b'l';
    pub const EMPTY_LIST: u8 = b']';
    pub const BINPUT: u8 = b'q';
    pub const LONG_BINPUT: u8 = b'r';
    pub const SETITEM: u8 = b's';
    pub const TUPLE: u8 = b't';
    pub const EMPTY_TUPLE: u8 = b')';
    pub const SETITEMS: u8 = b'u';
    pub const BINFLOAT: u8 = b'G';
    pub const BINBYTES: u8 = b'B';
    pub const SHORT_BINBYTES: u8 = b'C';
    pub const PROTO: u8 = 0x80;
    pub const TUPLE1: u8 = 0x85;
    pub const TUPLE2: u8 = 0x86;
    pub const TUPLE3: u8 = 0x87;
    pub const NEWTRUE: u8 = 0x88;
    pub const NEWFALSE: u8 = 0x89;
    pub const LONG1: u8 = 0x8a;
    pub const LONG4: u8 = 0x8b;
    pub const SHORT_BINUNICODE: u8 = 0x8c;
    pub const BINUNICODE8: u8 = 0x8d;
    pub const BINBYTES8: u8 = 0x8e;
    pub const STACK_GLOBAL: u8 = 0x93;
    pub const MEMOIZE: u8 = 0x94;
    pub const FRAME: u8 = 0x95;
}

/// Name of a pickle opcode as `pickletools` spells it.
fn opcode_name(opcode: u8) -> &'static str {
    match opcode {
        b'(' => "MARK",
        b'.' => "STOP",
        b'0' => "POP",
        b'1' => "POP_MARK",
        b'2' => "DUP",
        b'F' => "FLOAT",
        b'I' => "INT",
        b'J' => "BININT",
        b'K' => "BININT1",
        b'L' => "LONG",
        b'M' => "BININT2",
        b'N' => "NONE",
        b'P' => "PERSID",
        b'Q' => "BINPERSID",
        b'R' => "REDUCE",
        b'S' => "STRING",
        b'T' => "BINSTRING",
        b'U' => "SHORT_BINSTRING",
        b'V' => "UNICODE",
        b'X' => "BINUNICODE",
        b'a' => "APPEND",
        b'b' => "BUILD",
        b'c' => "GLOBAL",
        b'd' => "DICT",
        b'}' => "EMPTY_DICT",
        b'e' => "APPENDS",
        b'g' => "GET",
        b'h' => "BINGET",
        b'i' => "INST",
        b'j' => "LONG_BINGET",
        b'l' => "LIST",
        b']' => "EMPTY_LIST",
        b'o' => "OBJ",
        b'p' => "PUT",
        b'q' => "BINPUT",
        b'r' => "LONG_BINPUT",
        b's' => "SETITEM",
        b't' => "TUPLE",
        b')' => "EMPTY_TUPLE",
        b'u' => "SETITEMS",
        b'G' => "BINFLOAT",
        b'B' => "BINBYTES",
        b'C' => "SHORT_BINBYTES",
        0x80 => "PROTO",
        0x81 => "NEWOBJ",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x85 => "TUPLE1",
        0x86 => "TUPLE2",
        0x87 => "TUPLE3",
        0x88 => "NEWTRUE",
        0x89 => "NEWFALSE",
        0x8a => "LONG1",
        0x8b => "LONG4",
        0x8c => "SHORT_BINUNICODE",
        0x8d => "BINUNICODE8",
        0x8e => "BINBYTES8",
        0x8f => "EMPTY_SET",
        0x90 => "ADDITEMS",
        0x91 => "FROZENSET",
        0x92 => "NEWOBJ_EX",
        0x93 => "STACK_GLOBAL",
        0x94 => "MEMOIZE",
        0x95 => "FRAME",
        0x96 => "BYTEARRAY8",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        _ => "unknown",
    }
}

/// Reads a pickle and returns the value it builds.
///
/// `entry` names the pickle in errors (its path inside the zip archive).
pub(crate) fn load(data: &[u8], entry: &str) -> Result<Value, PickleError> {
    let mut machine = Machine {
        data,
        entry,
        position: 0,
        opcode_position: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
    };
    machine.run()
}

struct Machine<'d> {
    data: &'d [u8],
    entry: &'d str,
    /// Next byte to read.
    position: usize,
    /// Position of the opcode being executed, for error messages.
    opcode_position: usize,
    stack: Vec<Value>,
    /// Stack lengths at each MARK.
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
}

impl<'d> Machine<'d> {
    fn run(&mut self) -> Result<Value, PickleError> {
        loop {
            self.opcode_position = self.position;
            let opcode = self.read_u8()?;
            match opcode {
                op::PROTO => {
                    let version = self.read_u8()?;
                    if version > 5 {
                        return Err(self.invalid(format!("unsupported protocol {version}")));
                    }
                }
                op::FRAME => {
                    // Frames only group opcodes for buffered reading.
                    self.read_bytes(8)?;
                }
                op::STOP => return self.pop(),

                op::MARK => self.marks.push(self.stack.len()),
                op::POP => {
                    self.pop()?;
                }
                op::POP_MARK => {
                    self.pop_mark()?;
                }
                op::DUP => {
                    let top = self.top()?.clone();
                    self.stack.push(top);
                }

                op::NONE => self.stack.push(Value::None),
                op::NEWTRUE => self.stack.push(Value::Bool(true)),
                op::NEWFALSE => self.stack.push(Value::Bool(false)),
                op::BININT => {
                    let bytes = self.read_array::<4>()?;
                    self.stack.push(Value::Int(i64::from(i32::from_le_bytes(bytes))));
                }
                op::BININT1 => {
                    let value = self.read_u8()?;
                    self.stack.push(Value::Int(i64::from(value)));
                }
                op::BININT2 => {
                    let bytes = self.read_array::<2>()?;
                    self.stack.push(Value::Int(i64::from(u16::from_le_bytes(bytes))));
                }
                op::LONG1 => {
                    let len = usize::from(self.read_u8()?);
                    let value = self.read_long(len)?;
                    self.stack.push(Value::Int(value));
                }
                op::LONG4 => {
                    let len = self.read_len4()?;
                    let value = self.read_long(len)?;
                    self.stack.push(Value::Int(value));
                }
                op::BINFLOAT => {
                    let bytes = self.read_array::<8>()?;
                    self.stack.push(Value::Float(f64::from_be_bytes(bytes)));
                }

                op::SHORT_BINUNICODE | op::SHORT_BINSTRING => {
                    let len = usize::from(self.read_u8()?);
                    let text = self.read_str(len)?;
                    self.stack.push(Value::Str(text.into()));
                }
                op::BINUNICODE | op::BINSTRING => {
                    let len = self.read_len4()?;
                    let text = self.read_str(len)?;
                    self.stack.push(Value::Str(text.into()));
                }
                op::BINUNICODE8 => {
                    let len = self.read_len8()?;
                    let text = self.read_str(len)?;
                    self.stack.push(Value::Str(text.into()));
                }
                op::SHORT_BINBYTES => {
                    let len = usize::from(self.read_u8()?);
                    let bytes = self.read_bytes(len)?;
                    self.stack.push(Value::Bytes(bytes.into()));
                }
                op::BINBYTES => {
                    let len = self.read_len4()?;
                    let bytes = self.read_bytes(len)?;
                    self.stack.push(Value::Bytes(bytes.into()));
                }
                op::BINBYTES8 => {
                    let len = self.read_len8()?;
                    let bytes = self.read_bytes(len)?;
                    self.stack.push(Value::Bytes(bytes.into()));
                }

                op::EMPTY_TUPLE => self.push_tuple(Vec::new())?,
                op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => {
                    let count = usize::from(opcode - op::TUPLE1 + 1);
                    let items = self.pop_many(count)?;
                    self.push_tuple(items)?;
                }
                op::TUPLE => {
                    let items = self.pop_mark()?;
                    self.push_tuple(items)?;
                }
                op::EMPTY_LIST => self.stack.push(new_list(Vec::new())),
                op::LIST => {
                    let items = self.pop_mark()?;
                    let list = self.new_container(items, |items, depth| {
                        Value::List(Rc::new(RefCell::new(Container { items, depth })))
                    })?;
                    self.stack.push(list);
                }
                op::APPEND => {
                    let item = self.pop()?;
                    self.append(vec![item])?;
                }
                op::APPENDS => {
                    let items = self.pop_mark()?;
                    self.append(items)?;
                }
                op::EMPTY_DICT => self.stack.push(new_dict(Vec::new())),
                op::DICT => {
                    let items = self.pop_mark()?;
                    let pairs = self.pairs(items)?;
                    self.stack.push(new_dict(Vec::new()));
                    self.set_items(pairs)?;
                }
                op::SETITEM => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    self.set_items(vec![(key, value)])?;
                }
                op::SETITEMS => {
                    let items = self.pop_mark()?;
                    let pairs = self.pairs(items)?;
                    self.set_items(pairs)?;
                }

                op::BINPUT => {
                    let key = u32::from(self.read_u8()?);
                    self.put(key)?;
                }
                op::LONG_BINPUT => {
                    let key = u32::from_le_bytes(self.read_array::<4>()?);
                    self.put(key)?;
                }
                op::MEMOIZE => {
                    let key = u32::try_from(self.memo.len())
                        .map_err(|_| self.invalid("memo is full".to_string()))?;
                    self.put(key)?;
                }
                op::BINGET => {
                    let key = u32::from(self.read_u8()?);
                    self.get(key)?;
                }
                op::LONG_BINGET => {
                    let key = u32::from_le_bytes(self.read_array::<4>()?);
                    self.get(key)?;
                }

                op::GLOBAL => {
                    let module = self.read_line()?;
                    let name = self.read_line()?;
                    let global = self.resolve_global(&module, &name)?;
                    self.stack.push(Value::Global(global));
                }
                op::STACK_GLOBAL => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Value::Str(module), Value::Str(name)) = (&module, &name) else {
                        return Err(self.invalid(format!(
                            "STACK_GLOBAL needs two str, found {} and {}",
                            module.kind(),
                            name.kind()
                        )));
                    };
                    let global = self.resolve_global(module, name)?;
                    self.stack.push(Value::Global(global));
                }
                op::REDUCE => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let value = self.reduce(callable, args)?;
                    self.stack.push(value);
                }
                op::BUILD => {
                    let state = self.pop()?;
                    self.build(state)?;
                }
                op::BINPERSID => {
                    let pid = self.pop()?;
                    let storage = self.persistent_load(pid)?;
                    self.stack.push(storage);
                }

                _ => {
                    return Err(PickleError::UnsupportedOpcode {
                        opcode,
                        opcode_name: opcode_name(opcode),
                        position: self.opcode_position,
                        entry: self.entry.to_string(),
                    });
                }
            }
        }
    }

    fn invalid(&self, message: String) -> PickleError {
        PickleError::Invalid {
            message,
            position: self.opcode_position,
            entry: self.entry.to_string(),
        }
    }

    fn truncated(&self) -> PickleError {
        PickleError::Truncated {
            position: self.opcode_position,
            entry: self.entry.to_string(),
        }
    }

    fn read_bytes(&mut self, len: usize) -> Result<&'d [u8], PickleError> {
        let end = self.position.checked_add(len).ok_or_else(|| self.truncated())?;
        let bytes = self.data.get(self.position..end).ok_or_else(|| self.truncated())?;
        self.position = end;
        Ok(bytes)
    }

    fn read_array<const N: usize>(&mut self) -> Result<[u8; N], PickleError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.read_bytes(N)?);
        Ok(array)
    }

    fn read_u8(&mut self) -> Result<u8, PickleError> {
        Ok(self.read_array::<1>()?[0])
    }

    fn read_len4(&mut self) -> Result<usize, PickleError> {
        let len = u32::from_le_bytes(self.read_array::<4>()?);
        usize::try_from(len).map_err(|_| self.truncated())
    }

    fn read_len8(&mut self) -> Result<usize, PickleError> {
        let len = u64::from_le_bytes(self.read_array::<8>()?);
        usize::try_from(len).map_err(|_| self.truncated())
    }

    fn read_str(&mut self, len: usize) -> Result<String, PickleError> {
        let bytes = self.read_bytes(len)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(_) => Err(self.invalid("string is not valid UTF-8".to_string())),
        }
    }

    /// Reads a newline-terminated line, as the text arguments of GLOBAL.
    fn read_line(&mut self) -> Result<String, PickleError> {
        let rest = self.data.get(self.position..).unwrap_or_default();
        let len = rest.iter().position(|&b| b == b'\n').ok_or_else(|| self.truncated())?;
        let text = self.read_str(len)?;
        self.position += 1;
        Ok(text)
    }

    /// Reads a little-endian two's complement integer of `len` bytes.
    fn read_long(&mut self, len: usize) -> Result<i64, PickleError> {
        let bytes = self.read_bytes(len)?;
        if len > 8 {
            return Err(self.invalid(format!("integer of {len} bytes does not fit in 64 bits")));
        }
        let Some(&last) = bytes.last() else {
            return Ok(0);
        };
        let fill = if last & 0x80 != 0 { 0xff } else { 0x00 };
        let mut array = [fill; 8];
        array[..len].copy_from_slice(bytes);
        Ok(i64::from_le_bytes(array))
    }

    fn pop(&mut self) -> Result<Value, PickleError> {
        if self.marks.last().is_some_and(|&mark| mark >= self.stack.len()) {
            return Err(self.invalid("stack is empty above the last MARK".to_string()));
        }
        self.stack
            .pop()
            .ok_or_else(|| self.invalid("stack is empty".to_string()))
    }

    fn pop_many(&mut self, count: usize) -> Result<Vec<Value>, PickleError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() < floor + count {
            return Err(self.invalid(format!("expected {count} values on the stack")));
        }
        Ok(self.stack.split_off(self.stack.len() - count))
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>, PickleError> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| self.invalid("no MARK on the stack".to_string()))?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn top(&self) -> Result<&Value, PickleError> {
        self.stack
            .last()
            .ok_or_else(|| self.invalid("stack is empty".to_string()))
    }

    fn put(&mut self, key: u32) -> Result<(), PickleError> {
        let value = self.top()?.clone();
        self.memo.insert(key, value);
        Ok(())
    }

    fn get(&mut self, key: u32) -> Result<(), PickleError> {
        let value = self
            .memo
            .get(&key)
            .cloned()
            .ok_or_else(|| self.invalid(format!("memo key {key} is not defined")))?;
        self.stack.push(value);
        Ok(())
    }

    /// Builds a container after checking its nesting depth.
    fn new_container<T>(
        &self,
        items: Vec<T>,
        make: impl FnOnce(Vec<T>, usize) -> Value,
    ) -> Result<Value, PickleError>
    where
        T: Depth,
    {
        let depth = 1 + items.iter().map(Depth::depth).max().unwrap_or(0);
        self.check_depth(depth)?;
        Ok(make(items, depth))
    }

    fn check_depth(&self, depth: usize) -> Result<(), PickleError> {
        if depth > MAX_DEPTH {
            return Err(self.invalid(format!("containers nest deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn push_tuple(&mut self, items: Vec<Value>) -> Result<(), PickleError> {
        let tuple = self.new_container(items, |items, depth| {
            Value::Tuple(Rc::new(Container { items, depth }))
        })?;
        self.stack.push(tuple);
        Ok(())
    }

    fn append(&mut self, items: Vec<Value>) -> Result<(), PickleError> {
        let depth = 1 + items.iter().map(Value::depth).max().unwrap_or(0);
        self.check_depth(depth)?;
        let Value::List(list) = self.top()? else {
            return Err(self.invalid(format!("APPEND to a {}", self.top()?.kind())));
        };
        let mut list = list.borrow_mut();
        list.depth = list.depth.max(depth);
        list.items.extend(items);
        Ok(())
    }

    fn pairs(&self, items: Vec<Value>) -> Result<Vec<(Value, Value)>, PickleError> {
        if !items.len().is_multiple_of(2) {
            return Err(self.invalid(format!(
                "dict items need an even number of values, found {}",
                items.len()
            )));
        }
        let mut pairs = Vec::with_capacity(items.len() / 2);
        let mut items = items.into_iter();
        while let (Some(key), Some(value)) = (items.next(), items.next()) {
            pairs.push((key, value));
        }
        Ok(pairs)
    }

    fn set_items(&mut self, pairs: Vec<(Value, Value)>) -> Result<(), PickleError> {
        let depth = 1 + pairs.iter().map(Depth::depth).max().unwrap_or(0);
        self.check_depth(depth)?;
        let Value::Dict(dict) = self.top()? else {
            return Err(self.invalid(format!("SETITEM on a {}", self.top()?.kind())));
        };
        let mut dict = dict.borrow_mut();
        dict.depth = dict.depth.max(depth);
        dict.items.extend(pairs);
        Ok(())
    }

    fn resolve_global(&self, module: &str, name: &str) -> Result<Global, PickleError> {
        Global::resolve(module, name).ok_or_else(|| PickleError::UnsupportedGlobal {
            name: format!("{module}.{name}"),
            position: self.opcode_position,
            entry: self.entry.to_string(),
        })
    }

    fn reduce(&self, callable: Value, args: Value) -> Result<Value, PickleError> {
        let Value::Global(global) = callable else {
            return Err(self.invalid(format!("REDUCE calls a {}", callable.kind())));
        };
        let Value::Tuple(args) = args else {
            return Err(self.invalid(format!(
                "REDUCE passes a {} to `{}` instead of an argument tuple",
                args.kind(),
                global.name()
            )));
        };
        let args = &args.items;

        match global {
            Global::OrderedDict => self.ordered_dict(args),
            Global::RebuildTensorV2 => self.rebuild_tensor(args),
            Global::RebuildParameter => match args.first() {
                // `_rebuild_parameter(data, requires_grad, backward_hooks)`
                Some(Value::Tensor(tensor)) if args.len() == 3 => Ok(Value::Tensor(tensor.clone())),
                _ => Err(self.invalid(format!(
                    "`{}` expects (tensor, requires_grad, backward_hooks)",
                    global.name()
                ))),
            },
            Global::Storage(_) => Err(self.invalid(format!(
                "REDUCE calls `{}`, which may only appear in a persistent id",
                global.name()
            ))),
        }
    }

    /// `OrderedDict()` or `OrderedDict([(key, value), ...])`.
    fn ordered_dict(&self, args: &[Value]) -> Result<Value, PickleError> {
        let pairs = match args {
            [] => Vec::new(),
            [Value::List(list)] => {
                let list = list.borrow();
                let mut pairs = Vec::with_capacity(list.items.len());
                for item in &list.items {
                    match item {
                        Value::Tuple(pair) if pair.items.len() == 2 => {
                            pairs.push((pair.items[0].clone(), pair.items[1].clone()));
                        }
                        other => {
                            return Err(self.invalid(format!(
                                "`collections.OrderedDict` expects (key, value) pairs, found a {}",
                                other.kind()
                            )));
                        }
                    }
                }
                pairs
            }
            _ => {
                return Err(self.invalid(format!(
                    "`collections.OrderedDict` called with {} arguments",
                    args.len()
                )));
            }
        };
        let depth = 1 + pairs.iter().map(Depth::depth).max().unwrap_or(0);
        Ok(Value::Dict(Rc::new(RefCell::new(Container { items: pairs, depth }))))
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride,
    /// requires_grad, backward_hooks[, metadata])`.
    fn rebuild_tensor(&self, args: &[Value]) -> Result<Value, PickleError> {
        let usage = "`torch._utils._rebuild_tensor_v2` expects (storage, storage_offset, size, \
                     stride, requires_grad, backward_hooks[, metadata])";
        let (storage, offset, size, stride) = match args {
            [storage, offset, size, stride, _, _] | [storage, offset, size, stride, _, _, _] => {
                (storage, offset, size, stride)
            }
            _ => return Err(self.invalid(format!("{usage}, found {} arguments", args.len()))),
        };
        let Value::Storage(storage) = storage else {
            return Err(self.invalid(format!("{usage}, found a {} as storage", storage.kind())));
        };
        let offset = self.non_negative(offset, "storage_offset")?;
        let shape = self.int_tuple(size, "size")?;
        let strides = self.int_tuple(stride, "stride")?;
        Ok(Value::Tensor(Rc::new(TensorRef {
            storage: storage.clone(),
            offset,
            shape,
            strides,
        })))
    }

    fn non_negative(&self, value: &Value, what: &str) -> Result<usize, PickleError> {
        match value {
            Value::Int(int) => usize::try_from(*int)
                .map_err(|_| self.invalid(format!("tensor {what} is negative: {int}"))),
            other => Err(self.invalid(format!("tensor {what} is a {}, not an int", other.kind()))),
        }
    }

    fn int_tuple(&self, value: &Value, what: &str) -> Result<Vec<usize>, PickleError> {
        let Value::Tuple(tuple) = value else {
            return Err(self.invalid(format!("tensor {what} is a {}, not a tuple", value.kind())));
        };
        tuple
            .items
            .iter()
            .map(|item| self.non_negative(item, what))
            .collect()
    }

    /// BUILD sets an object's state. Only the attribute dict of an
    /// OrderedDict (a state_dict's `_metadata`) is accepted, and dropped.
    fn build(&self, state: Value) -> Result<(), PickleError> {
        let target = self.top()?;
        match (target, &state) {
            (Value::Dict(_), Value::Dict(_) | Value::None) => Ok(()),
            _ => Err(self.invalid(format!(
                "BUILD sets the state of a {} to a {}: only an OrderedDict's attributes \
                 are accepted",
                target.kind(),
                state.kind()
            ))),
        }
    }

    /// Turns `('storage', storage_type, key, location, numel)` into a storage.
    fn persistent_load(&self, pid: Value) -> Result<Value, PickleError> {
        let usage = "persistent id must be ('storage', storage_type, key, location, numel)";
        let Value::Tuple(pid) = pid else {
            return Err(self.invalid(format!("{usage}, found a {}", pid.kind())));
        };
        match pid.items.as_slice() {
            [
                Value::Str(tag),
                Value::Global(Global::Storage(dtype)),
                Value::Str(key),
                Value::Str(_location),
                Value::Int(_numel),
            ] if &**tag == "storage" => Ok(Value::Storage(Rc::new(StorageRef {
                key: key.to_string(),
                dtype: *dtype,
            }))),
            items => {
                let kinds: Vec<String> = items.iter().map(Value::kind).collect();
                Err(self.invalid(format!("{usage}, found ({})", kinds.join(", "))))
            }
        }
    }
}

fn new_list(items: Vec<Value>) -> Value {
    Value::List(Rc::new(RefCell::new(Container { items, depth: 1 })))
}

fn new_dict(items: Vec<(Value, Value)>) -> Value {
    Value::Dict(Rc::new(RefCell::new(Container { items, depth: 1 })))
}

/// Nesting depth of a container item.
trait Depth {
    fn depth(&self) -> usize;
}

impl Depth for Value {
    fn depth(&self) -> usize {
        Value::depth(self)
    }
}

impl Depth for (Value, Value) {
    fn depth(&self) -> usize {
        self.0.depth().max(self.1.depth())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(data: &[u8]) -> Result<Value, PickleError> {
        load(data, "archive/data.pkl")
    }

    #[test]
    fn rejects_os_system_global() {
        // pickle.dumps of a call to os.system, written with GLOBAL 'os system'.
        let data = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R.";
        assert_eq!(
            load_str(data).unwrap_err().to_string(),
            "unsupported pickle global `os.system` at byte 2 of archive/data.pkl: \
             a checkpoint may only contain tensors"
        );
    }

    #[test]
    fn rejects_stack_global() {
        let data = b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93.";
        assert_eq!(
            load_str(data).unwrap_err().to_string(),
            "unsupported pickle global `builtins.eval` at byte 18 of archive/data.pkl: \
             a checkpoint may only contain tensors"
        );
    }

    #[test]
    fn rejects_newobj() {
        let data = b"\x80\x02ccollections\nOrderedDict\n)\x81.";
        assert_eq!(
            load_str(data).unwrap_err().to_string(),
            "unsupported pickle opcode NEWOBJ (0x81) at byte 28 of archive/data.pkl: \
             a checkpoint may only contain tensors"
        );
    }

    #[test]
    fn rejects_build_on_tuple() {
        let data = b"\x80\x02)}b.";
        assert_eq!(
            load_str(data).unwrap_err().to_string(),
            "invalid pickle at byte 4 of archive/data.pkl: BUILD sets the state of a tuple \
             to a dict: only an OrderedDict's attributes are accepted"
        );
    }

    #[test]
    fn reports_truncation() {
        let data = b"\x80\x02X\x10\x00\x00\x00abc";
        assert_eq!(
            load_str(data).unwrap_err().to_string(),
            "truncated pickle: archive/data.pkl ends inside the opcode at byte 2"
        );
    }

    #[test]
    fn reads_data_opcodes() {
        // pickle.dumps({'a': l, 'b': (b'xy', l)}, protocol=4) with
        // l = [1, -2, 70000, 2**40, 1.5, None, True]: the tuple gets `l` back
        // from the memo.
        let data = b"\x80\x04\x959\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01a\x94]\x94(K\x01J\xfe\xff\xff\xffJp\x11\x01\x00\x8a\x06\x00\x00\x00\x00\x00\x01G?\xf8\x00\x00\x00\x00\x00\x00N\x88e\x8c\x01b\x94C\x02xy\x94h\x02\x86\x94u.";
        let Value::Dict(dict) = load_str(data).unwrap() else {
            panic!("expected a dict");
        };
        let dict = dict.borrow();
        assert_eq!(dict.items.len(), 2);
        let Value::List(list) = &dict.items[0].1 else {
            panic!("expected a list under `a`");
        };
        let ints: Vec<i64> = list
            .borrow()
            .items
            .iter()
            .filter_map(|v| if let Value::Int(i) = v { Some(*i) } else { None })
            .collect();
        assert_eq!(ints, vec![1, -2, 70000, 1 << 40]);
        let Value::Tuple(pair) = &dict.items[1].1 else {
            panic!("expected a tuple under `b`");
        };
        assert!(matches!(&pair.items[0], Value::Bytes(bytes) if &bytes[..] == b"xy"));
        assert!(matches!(&pair.items[1], Value::List(shared) if Rc::ptr_eq(shared, list)));
    }

    #[test]
    fn rejects_deep_nesting() {
        let mut data = b"\x80\x02".to_vec();
        data.push(b')');
        data.extend(std::iter::repeat_n(0x85, MAX_DEPTH));
        data.push(b'.');
        let error = load_str(&data).unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "invalid pickle at byte {} of archive/data.pkl: containers nest deeper than \
                 {MAX_DEPTH} levels",
                2 + MAX_DEPTH
            )
        );
    }
}
