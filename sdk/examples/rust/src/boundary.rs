//! `#[repr(C)]` mirrors of `<trafficsim/plugin.h>` (SDK 2.2, plugin ABI 2), field for
//! field. Only what crosses the boundary is here; the sizes are checked at compile time
//! against the C ones, so a mistake in a mirror does not build.

use std::os::raw::{c_char, c_int, c_void};

/// TRAFFICSIM_ABI_VERSION and TRAFFICSIM_SDK_VERSION_STRING of the headers these mirrors
/// follow. A host of any 2.x accepts a plugin of ABI 2.
pub const ABI_VERSION: u32 = 2;
pub const SDK_VERSION: &str = "2.3.0";

pub const HOURS_PER_DAY: usize = 24;
pub const LABEL_NAME_MAX: usize = 31;
pub const MAX_PLAN_LABELS: usize = 4;
pub const MAX_LABEL_ATTRIBUTES: usize = 4;

/// enum trafficsim_status
pub const OK: c_int = 0;
pub const FAILED: c_int = 1;

/// enum trafficsim_parameter_type
pub const REAL: u32 = 0;

/// A string, not necessarily NUL-terminated.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TsString {
    pub data: *const u8,
    pub size: u64,
}

impl TsString {
    pub const fn from(s: &'static str) -> TsString {
        TsString { data: s.as_ptr(), size: s.len() as u64 }
    }
    /// The bytes (empty for a null pointer).
    ///
    /// # Safety
    /// `data` must point at `size` readable bytes that outlive the result.
    pub unsafe fn bytes<'a>(&self) -> &'a [u8] {
        if self.data.is_null() {
            &[]
        } else {
            std::slice::from_raw_parts(self.data, self.size as usize)
        }
    }
}

/// The host's buffer for a failing function's reason.
#[repr(C)]
pub struct Message {
    pub data: *mut c_char,
    pub capacity: u64,
}

#[repr(C)]
pub struct ParameterSpec {
    pub name: TsString,
    pub kind: u32, // `type` in C
    pub reserved: u32,
    pub default_value: f64,
    pub min_value: f64,
    pub max_value: f64,
    pub description: TsString,
}

#[repr(C)]
pub struct ParameterValue {
    pub name: TsString,
    pub value: f64,
}

#[repr(C)]
pub struct CreateRequest {
    pub struct_size: u32,
    pub customers: u32,
    pub seed: u64,
    pub values: *const ParameterValue,
    pub value_count: u64,
}

#[repr(C)]
pub struct Customer {
    pub index: u32,
    pub calls_per_day: u32,
    pub archetype: u8,
    pub tier: u8,
    pub reserved: [u8; 6],
}

/// A day of the run (UTC); weekday 0 = Monday ... 6 = Sunday.
#[repr(C)]
pub struct Day {
    pub index: u32,
    pub days: u32,
    pub epoch_day: i64,
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub weekday: u8,
    pub reserved: u8,
}

/// A Philox4x32-10 stream: block b at counter {c0, c1, c2, b} under `key`.
#[repr(C)]
pub struct Stream {
    pub key: [u32; 2],
    pub counter: [u32; 4],
}

#[repr(C)]
pub struct PlanRequest {
    pub struct_size: u32,
    pub reserved: u32,
    pub customer: Customer,
    pub day: Day,
    pub customer_stream: Stream,
    pub day_stream: Stream,
}

#[repr(C)]
pub struct LabelAttribute {
    pub name: [c_char; LABEL_NAME_MAX + 1],
    pub value: f64,
}

#[repr(C)]
pub struct PlanLabel {
    pub kind: [c_char; LABEL_NAME_MAX + 1],
    pub first_hour: u32,
    pub end_hour: u32,
    pub attribute_count: u32,
    pub reserved: u32,
    pub attributes: [LabelAttribute; MAX_LABEL_ATTRIBUTES],
}

/// plan_day's answer, host-owned and zeroed. The labels (SDK 2.1) may be written only if
/// `struct_size` covers them: a host of SDK 2.0 passes a shorter struct.
#[repr(C)]
pub struct DayPlan {
    pub struct_size: u32,
    pub min_calls: u32,
    pub expected_calls: f64,
    pub hour_weight: [f64; HOURS_PER_DAY],
    pub churned: u32,
    pub reserved: u32,
    pub label_count: u32,
    pub reserved2: u32,
    pub labels: [PlanLabel; MAX_PLAN_LABELS],
}

pub type CreateFn = unsafe extern "C" fn(*const CreateRequest, *mut *mut c_void, *mut Message) -> c_int;
pub type DestroyFn = unsafe extern "C" fn(*mut c_void);
pub type PlanDayFn = unsafe extern "C" fn(*const c_void, *const PlanRequest, *mut DayPlan, *mut Message) -> c_int;
/// place_calls' request is not mirrored: this plugin leaves placement to the host.
pub type PlaceCallsFn = unsafe extern "C" fn(*const c_void, *const c_void, *mut u32, u64, *mut Message) -> c_int;

/// What trafficsim_plugin_entry returns. Its first two fields never change layout.
#[repr(C)]
pub struct PluginDescriptor {
    pub struct_size: u32,
    pub abi_version: u32,
    pub sdk_version: TsString,
    pub name: TsString,
    pub version: TsString,
    pub description: TsString,
    pub default_customers: u32,
    pub parameter_count: u32,
    pub default_seed: u64,
    pub parameters: *const ParameterSpec,
    pub create: Option<CreateFn>,
    pub destroy: Option<DestroyFn>,
    pub plan_day: Option<PlanDayFn>,
    pub place_calls: Option<PlaceCallsFn>, // None: uniform over the hour (the host's own)
}

// The descriptor and its parameters are immutable statics shared by every thread.
unsafe impl Sync for PluginDescriptor {}
unsafe impl Sync for ParameterSpec {}

// sizeof of each struct as the C compiler lays it out (x86-64 and AArch64 Linux).
const _: () = {
    use std::mem::size_of;
    assert!(size_of::<TsString>() == 16);
    assert!(size_of::<Message>() == 16);
    assert!(size_of::<ParameterSpec>() == 64);
    assert!(size_of::<ParameterValue>() == 24);
    assert!(size_of::<CreateRequest>() == 32);
    assert!(size_of::<Customer>() == 16);
    assert!(size_of::<Day>() == 24);
    assert!(size_of::<Stream>() == 24);
    assert!(size_of::<PlanRequest>() == 96);
    assert!(size_of::<LabelAttribute>() == 40);
    assert!(size_of::<PlanLabel>() == 208);
    assert!(size_of::<DayPlan>() == 1056);
    assert!(size_of::<PluginDescriptor>() == 128);
};

/// Writes `text` into the host's buffer (truncated, NUL-terminated).
///
/// # Safety
/// `error` is null or the host's buffer of `capacity` bytes.
pub unsafe fn fail(error: *mut Message, text: &str) -> c_int {
    if let Some(m) = error.as_ref() {
        if !m.data.is_null() && m.capacity > 0 {
            let n = text.len().min(m.capacity as usize - 1);
            std::ptr::copy_nonoverlapping(text.as_ptr(), m.data as *mut u8, n);
            *m.data.add(n) = 0;
        }
    }
    FAILED
}
