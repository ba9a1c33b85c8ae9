//! Peak heap of a parse, as a multiple of the input, for the shapes that cost the most memory
//! per input byte, next to serde_json's peak for the same document. One test (the allocator
//! counter is global to this binary).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
            PEAK.fetch_max(live, Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Peak heap growth while `f` runs, result dropped inside.
fn peak(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    f();
    PEAK.load(Relaxed) - base
}

#[test]
fn parse_peak_heap_is_a_small_multiple_of_the_input() {
    let members: Vec<String> = (0..20_000).map(|i| format!("\"k{i}\":{i}")).collect();
    let same_name = format!("{{{}}}", vec!["\"k\":1"; 20_000].join(","));
    let cases: [(&str, String); 7] = [
        ("wide object", format!("{{{}}}", members.join(","))),
        ("one name repeated", same_name),
        ("array of zeros", format!("[{}0]", "0,".repeat(50_000))),
        ("array of empty arrays", format!("[{}[]]", "[],".repeat(30_000))),
        ("array of empty objects", format!("[{}{{}}]", "{},".repeat(30_000))),
        ("array of one-char strings", format!("[{}\"a\"]", "\"a\",".repeat(30_000))),
        ("escaped string", format!("\"{}\"", "\\n".repeat(100_000))),
    ];
    let mut report = String::new();
    for (name, doc) in &cases {
        let ours = peak(|| drop(json::parse(doc.as_bytes(), 8, json::Duplicates::KeepLast).unwrap()));
        let theirs = peak(|| drop(serde_json::from_slice::<serde_json::Value>(doc.as_bytes()).unwrap()));
        let ratio = ours as f64 / doc.len() as f64;
        report.push_str(&format!(
            "{name}: {} B in, peak {ours} B ({ratio:.1}x), serde_json {theirs} B ({:.1}x)\n",
            doc.len(),
            theirs as f64 / doc.len() as f64
        ));
        // 64-bit: a Value is 32 bytes, a member 56, and a Vec may hold twice its length.
        assert!(ratio < 48.0, "{name}: {ratio}");
    }
    eprint!("{report}");
}
