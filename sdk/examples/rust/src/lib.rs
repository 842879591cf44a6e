//! night_owl in Rust: the same scenario as the C example (`../night_owl/night_owl.c`),
//! through the same C boundary, with the same bytes out. Batch jobs and overnight users:
//! calls fall from 20:00 to 03:59, twice as dense from 22:00 to 01:59; expected calls per
//! customer-day are cpd x factor x U[0.9, 1.1], and x weekend_factor on Saturdays and
//! Sundays. place_calls is left to the host (uniform within the hour).
//!
//! A plugin in any language does what a C plugin does: export `trafficsim_plugin_entry`
//! returning a descriptor that lives as long as the library, return a status from every
//! function and write a failure's reason into the host's buffer, and never let an
//! unwinding panic cross into the host (`guarded`).

mod boundary;
mod random;

use boundary::*;
use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

struct NightOwl {
    factor: f64,
    weekend_factor: f64,
}

static PARAMETERS: [ParameterSpec; 2] = [
    ParameterSpec {
        name: TsString::from("factor"),
        kind: REAL,
        reserved: 0,
        default_value: 1.0,
        min_value: 0.0,
        max_value: 100.0,
        description: TsString::from("Multiplier of calls per day"),
    },
    ParameterSpec {
        name: TsString::from("weekend_factor"),
        kind: REAL,
        reserved: 0,
        default_value: 1.3,
        min_value: 0.0,
        max_value: 10.0,
        description: TsString::from("Multiplier on Saturdays and Sundays"),
    },
];

/// Runs `f`, turning a panic into TRAFFICSIM_FAILED with its message.
unsafe fn guarded<F: FnOnce() -> Result<(), String>>(error: *mut Message, f: F) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => OK,
        Ok(Err(why)) => fail(error, &why),
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panicked".to_string());
            fail(error, &why)
        }
    }
}

unsafe fn value_of(r: &CreateRequest, name: &str) -> Option<f64> {
    if r.values.is_null() {
        return None;
    }
    let values = std::slice::from_raw_parts(r.values, r.value_count as usize);
    values.iter().find(|v| v.name.bytes() == name.as_bytes()).map(|v| v.value)
}

unsafe extern "C" fn create(request: *const CreateRequest, scenario: *mut *mut c_void, error: *mut Message) -> c_int {
    guarded(error, || {
        let r = &*request;
        match (value_of(r, "factor"), value_of(r, "weekend_factor")) {
            (Some(factor), Some(weekend_factor)) => {
                *scenario = Box::into_raw(Box::new(NightOwl { factor, weekend_factor })) as *mut c_void;
                Ok(())
            }
            _ => Err("a declared parameter is missing from the request".to_string()),
        }
    })
}

unsafe extern "C" fn destroy(scenario: *mut c_void) {
    if !scenario.is_null() {
        drop(Box::from_raw(scenario as *mut NightOwl));
    }
}

/// Pure: reads only the request and its own configuration; draws from the day stream.
unsafe extern "C" fn plan_day(
    scenario: *const c_void,
    request: *const PlanRequest,
    plan: *mut DayPlan,
    error: *mut Message,
) -> c_int {
    guarded(error, || {
        let s = &*(scenario as *const NightOwl);
        let r = &*request;
        let plan = &mut *plan;
        let weekend = r.day.weekday >= 5;
        plan.expected_calls = f64::from(r.customer.calls_per_day)
            * s.factor
            * (if weekend { s.weekend_factor } else { 1.0 })
            * random::uniform(&r.day_stream, 0.9, 1.1, 0);
        for (h, w) in plan.hour_weight.iter_mut().enumerate() {
            *w = if h >= 20 || h <= 3 { 1.0 } else { 0.0 };
        }
        for h in [22, 23, 0, 1] {
            plan.hour_weight[h] = 2.0;
        }
        Ok(())
    })
}

static DESCRIPTOR: PluginDescriptor = PluginDescriptor {
    struct_size: std::mem::size_of::<PluginDescriptor>() as u32,
    abi_version: ABI_VERSION,
    sdk_version: TsString::from(SDK_VERSION),
    name: TsString::from("night_owl"),
    version: TsString::from("1.0.0"),
    description: TsString::from("Overnight traffic (Rust plugin): 20:00-03:59, peak 22-02, weekends x1.3"),
    default_customers: 40,
    parameter_count: PARAMETERS.len() as u32,
    default_seed: 77,
    parameters: &PARAMETERS as *const ParameterSpec,
    create: Some(create),
    destroy: Some(destroy),
    plan_day: Some(plan_day),
    place_calls: None,
};

/// The one exported symbol.
#[no_mangle]
pub extern "C" fn trafficsim_plugin_entry() -> *const PluginDescriptor {
    &DESCRIPTOR
}
