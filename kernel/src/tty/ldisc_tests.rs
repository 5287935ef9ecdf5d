#[test]
fn flag_and_cc_maps_translate_both_ways_and_drop_unknown_bits() {
    const MAP: FlagMap = FlagMap(&[(1, 0x100), (2, 0x8)]);
    assert_eq!(MAP.to_abi(1 | 2 | 4), 0x108);
    assert_eq!(MAP.to_kernel(0x108 | 0x1), 3);
    // An ABI with the first twelve characters only.
    const NONE: usize = usize::MAX;
    let cc = CcMap {
        index: [
            0, 1, 3, 4, 5, 6, 8, 9, 10, 14, 16, 17, NONE, NONE, NONE, NONE, NONE, NONE, NONE,
        ],
        disabled: 0xff,
    };
    let t = Termios::sane();
    let abi: [u8; 20] = cc.to_abi(&t.neutral_cc::<20>(0xff));
    assert_eq!(abi[8], t.cc[Cc::Intr as usize]);
    assert_eq!(abi[2], 0xff);
    let back: [u64; 20] = cc.to_kernel(&abi);
    let again = Termios::from_neutral(&back, 0, 0, 0);
    assert_eq!(again.cc[..12], t.cc[..12]);
    assert_eq!(again.cc[Cc::Status as usize], 0xff);
    // What the ABI cannot say keeps its value.
    let kept = again.keeping_unknown(&t, (0, 0, 0), |i| cc.holds(i, 20));
    assert_eq!(kept, t);
    let said = again.keeping_unknown(&t, (u32::MAX, u32::MAX, u32::MAX), |_| true);
    assert_eq!(said.input, InputFlags::empty());
}

use super::*;
use alloc::vec;

#[derive(Default)]
struct Record {
    out: Vec<u8>,
    signals: Vec<Signal>,
}

impl Hooks for Record {
    fn output(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }
    fn signal(&mut self, signal: Signal) {
        self.signals.push(signal);
    }
}

fn feed(l: &mut LineDiscipline, bytes: &[u8]) -> Record {
    let mut r = Record::default();
    for &b in bytes {
        l.input(b, &mut r);
    }
    r
}

fn read_all(l: &mut LineDiscipline, size: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0; size];
    match l.read(&mut buf) {
        ReadOutcome::Bytes(n) => Some(buf[..n].to_vec()),
        ReadOutcome::Suspend(n) => panic!("a delayed suspend after {n} bytes"),
        ReadOutcome::Empty => None,
    }
}

#[test]
fn canonical_lines_are_edited_echoed_and_read_one_at_a_time() {
    let mut l = LineDiscipline::new();
    let r = feed(&mut l, b"helo\x7flo\r");
    assert_eq!(r.out, b"helo\x08 \x08lo\r\n");
    assert!(r.signals.is_empty());
    feed(&mut l, b"second\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"hello\n"[..]));
    // A short read leaves the rest of the line for the next.
    assert_eq!(read_all(&mut l, 3).as_deref(), Some(&b"sec"[..]));
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"ond\n"[..]));
    assert_eq!(read_all(&mut l, 64), None);
    // A partial line is not readable.
    feed(&mut l, b"part");
    assert!(!l.readable(1));
    assert_eq!(read_all(&mut l, 64), None);
}

#[test]
fn a_second_erase_character_erases_only_when_set() {
    let mut l = LineDiscipline::new();
    // Off in the kernel's defaults: backspace is data (echoed as ^H).
    let r = feed(&mut l, b"ab\x08\n");
    assert_eq!(r.out, b"ab^H\r\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"ab\x08\n"[..]));
    let mut t = l.termios();
    t.cc[Cc::Erase2 as usize] = 0x08;
    l.set_termios(t, true);
    let r = feed(&mut l, b"ab\x08c\x7fd\n");
    assert_eq!(r.out, b"ab\x08 \x08c\x08 \x08d\r\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"ad\n"[..]));
}

#[test]
fn kill_and_word_erase() {
    let mut l = LineDiscipline::new();
    let r = feed(&mut l, b"ab\x15");
    assert_eq!(r.out, b"ab\x08 \x08\x08 \x08");
    let r = feed(&mut l, b"one two  \x17x\n");
    assert_eq!(
        r.out,
        b"one two  \x08 \x08\x08 \x08\x08 \x08\x08 \x08\x08 \x08x\r\n".as_slice()
    );
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"one x\n"[..]));
    // Without ECHOKE, kill echoes the character and (ECHOK) a newline.
    let mut t = l.termios();
    t.local.set(LocalFlags::ECHOKE, false);
    l.set_termios(t, true);
    let r = feed(&mut l, b"zz\x15ok\n");
    assert_eq!(r.out, b"zz^U\r\nok\r\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"ok\n"[..]));
    // ECHOKE without ECHOE rubs out with the erase character.
    t.local.set(LocalFlags::ECHOKE, true);
    t.local.set(LocalFlags::ECHOE, false);
    l.set_termios(t, true);
    let r = feed(&mut l, b"ab\x15");
    assert_eq!(r.out, b"ab^?^?");
    // Word erase stops at spaces and tabs only.
    t.local.set(LocalFlags::ECHO, false);
    l.set_termios(t, true);
    feed(&mut l, b"a\x0cb\x17c\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"c\n"[..]));
}

fn with_flow(l: &mut LineDiscipline) {
    let mut t = l.termios();
    t.input.set(InputFlags::IXON, true);
    l.set_termios(t, true);
}

fn write_out(l: &mut LineDiscipline, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    l.write(bytes, &mut |b| out.extend_from_slice(b));
    out
}

#[test]
fn stop_and_start_hold_output_and_echo() {
    let mut l = LineDiscipline::new();
    // Without IXON ^S and ^Q are data.
    feed(&mut l, b"\x13\x11\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"\x13\x11\n"[..]));
    with_flow(&mut l);
    let r = feed(&mut l, b"\x13");
    assert!(r.out.is_empty());
    assert!(l.output_stopped());
    assert!(write_out(&mut l, b"out\n").is_empty());
    assert_eq!(l.held(), 5);
    // Typed while stopped: held with the rest; an ordinary key does not start
    // output without IXANY.
    let r = feed(&mut l, b"x");
    assert!(r.out.is_empty());
    let r = feed(&mut l, b"\x11");
    assert_eq!(r.out, b"out\r\nx");
    assert!(!l.output_stopped());
    // Neither character is data.
    feed(&mut l, b"\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"x\n"[..]));
    // IXANY: any character starts output.
    let mut t = l.termios();
    t.input.set(InputFlags::IXANY, true);
    l.set_termios(t, true);
    feed(&mut l, b"\x13");
    write_out(&mut l, b"a");
    let r = feed(&mut l, b"y");
    assert_eq!(r.out, b"ay");
    // One character for both toggles.
    t.input.set(InputFlags::IXANY, false);
    t.cc[Cc::Start as usize] = 0x13;
    l.set_termios(t, true);
    feed(&mut l, b"\x13");
    assert!(l.output_stopped());
    feed(&mut l, b"\x13");
    assert!(!l.output_stopped());
}

#[derive(Default)]
struct Flushes {
    record: Record,
    flushed: usize,
}

impl Hooks for Flushes {
    fn output(&mut self, bytes: &[u8]) {
        self.record.output(bytes);
    }
    fn signal(&mut self, signal: Signal) {
        self.record.signal(signal);
    }
    fn flushed(&mut self, _input: bool, output: bool) {
        self.flushed += usize::from(output);
    }
}

#[test]
fn interrupt_flushes_stopped_output_and_discard_toggles() {
    let mut l = LineDiscipline::new();
    with_flow(&mut l);
    let mut h = Flushes::default();
    l.input(0x13, &mut h);
    write_out(&mut l, b"lost");
    l.input(0x03, &mut h);
    assert_eq!(h.flushed, 1);
    assert_eq!(l.held(), 0);
    assert!(!l.output_stopped());
    assert_eq!(h.record.out, b"^C");
    // ^O: output flushed, "^O" echoed, pending input typed again, then output
    // is discarded until a key is typed.
    let mut h = Flushes::default();
    for &b in b"ab\x0f" {
        l.input(b, &mut h);
    }
    assert_eq!(h.flushed, 1);
    assert_eq!(h.record.out, b"ab^O^R\r\nab");
    assert!(l.termios().local.contains(LocalFlags::FLUSHO));
    assert!(write_out(&mut l, b"gone").is_empty());
    let r = feed(&mut l, b"c");
    assert_eq!(r.out, b"c");
    assert!(!l.termios().local.contains(LocalFlags::FLUSHO));
    assert_eq!(write_out(&mut l, b"kept"), b"kept");
    // A second ^O ends discarding silently.
    feed(&mut l, b"\x0f");
    let r = feed(&mut l, b"\x0f");
    assert!(r.out.is_empty());
    assert_eq!(write_out(&mut l, b"seen"), b"seen");
}

#[test]
fn end_of_file_echoes_and_backs_over_it() {
    let mut l = LineDiscipline::new();
    let r = feed(&mut l, b"\x04");
    assert_eq!(r.out, b"^D\x08\x08");
    let mut t = l.termios();
    t.local.set(LocalFlags::ECHOCTL, false);
    l.set_termios(t, true);
    let r = feed(&mut l, b"\x04");
    assert_eq!(r.out, b"\x04");
}

#[test]
fn eof_pushes_the_line_or_reads_as_end_of_file() {
    let mut l = LineDiscipline::new();
    feed(&mut l, b"abc\x04\x04");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"abc"[..]));
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b""[..]));
    assert_eq!(read_all(&mut l, 64), None);
}

#[test]
fn signal_characters_flush_and_signal() {
    let mut l = LineDiscipline::new();
    feed(&mut l, b"done\n");
    let r = feed(&mut l, b"typing\x03");
    assert_eq!(r.signals, vec![Signal::Int]);
    assert!(r.out.ends_with(b"^C"));
    assert_eq!(l.available(), 0);
    assert_eq!(read_all(&mut l, 64), None);
    let r = feed(&mut l, b"\x1c\x1a");
    assert_eq!(r.signals, vec![Signal::Quit, Signal::Tstp]);
    // NOFLSH keeps the input; without ISIG the characters are data.
    let mut t = l.termios();
    t.local.set(LocalFlags::NOFLSH, true);
    l.set_termios(t, true);
    let r = feed(&mut l, b"keep\n\x03");
    assert_eq!(r.signals, vec![Signal::Int]);
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"keep\n"[..]));
    t.local.set(LocalFlags::ISIG, false);
    l.set_termios(t, true);
    let r = feed(&mut l, b"\x03\n");
    assert!(r.signals.is_empty());
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"\x03\n"[..]));
}

#[test]
fn literal_next_and_input_mapping() {
    let mut l = LineDiscipline::new();
    feed(&mut l, b"\x16\x03\x16\x7f\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"\x03\x7f\n"[..]));
    let mut t = l.termios();
    t.input = InputFlags::IGNCR;
    l.set_termios(t, true);
    feed(&mut l, b"a\rb\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"ab\n"[..]));
    t.input = InputFlags::INLCR;
    t.local.set(LocalFlags::ICANON, false);
    t.local.set(LocalFlags::ECHO, false);
    l.set_termios(t, true);
    let r = feed(&mut l, b"x\n");
    assert!(r.out.is_empty());
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"x\r"[..]));
}

#[test]
fn raw_mode_returns_bytes_as_they_come() {
    let mut l = LineDiscipline::new();
    let mut t = l.termios();
    t.local.set(LocalFlags::ICANON, false);
    t.local.set(LocalFlags::ECHO, false);
    l.set_termios(t, true);
    feed(&mut l, b"ab\x7f");
    assert!(l.readable(3));
    assert!(!l.readable(4));
    assert_eq!(read_all(&mut l, 2).as_deref(), Some(&b"ab"[..]));
    assert_eq!(read_all(&mut l, 2).as_deref(), Some(&b"\x7f"[..]));
    // Switching modes keeps what was typed.
    t.local.set(LocalFlags::ICANON, true);
    l.set_termios(t, true);
    feed(&mut l, b"half");
    t.local.set(LocalFlags::ICANON, false);
    l.set_termios(t, true);
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"half"[..]));
}

#[test]
fn echo_nl_and_control_echo() {
    let mut l = LineDiscipline::new();
    let mut t = l.termios();
    t.local.set(LocalFlags::ECHO, false);
    t.local.set(LocalFlags::ECHONL, true);
    l.set_termios(t, true);
    let r = feed(&mut l, b"secret\n");
    assert_eq!(r.out, b"\r\n");
    t.local.set(LocalFlags::ECHO, true);
    l.set_termios(t, true);
    // A control character echoes as ^X and erases as two columns.
    let r = feed(&mut l, b"\x01\x7f");
    assert_eq!(r.out, b"^A\x08 \x08\x08 \x08");
}

#[test]
fn output_processing_maps_newlines_tabs_and_eot() {
    let mut l = LineDiscipline::new();
    assert_eq!(write_out(&mut l, b"a\nb\n\nc"), b"a\r\nb\r\n\r\nc");
    let mut t = l.termios();
    t.output.set(OutputFlags::OXTABS, true);
    t.output.set(OutputFlags::ONOEOT, true);
    l.set_termios(t, true);
    // Tabs to the next multiple of eight from the cursor's column (the "c" above
    // left it at 1); EOT dropped.
    assert_eq!(
        write_out(&mut l, b"abc\t|\x04\n\t."),
        b"abc    |\r\n        ."
    );
    t.output.set(OutputFlags::OPOST, false);
    l.set_termios(t, true);
    assert_eq!(write_out(&mut l, b"a\n\t\x04"), b"a\n\t\x04");
}

#[test]
fn long_lines_are_refused_with_a_bell() {
    let mut l = LineDiscipline::new();
    let long = vec![b'x'; MAX_CANON + 10];
    let r = feed(&mut l, &long);
    assert!(r.out.ends_with(b"\x07"));
    // The bell is IMAXBEL's.
    let mut t = l.termios();
    t.input.set(InputFlags::IMAXBEL, false);
    l.set_termios(t, true);
    let r = feed(&mut l, b"y");
    assert!(r.out.is_empty());
    feed(&mut l, b"\n");
    assert_eq!(read_all(&mut l, 1024).map(|v| v.len()), Some(MAX_CANON));
}

#[test]
fn erasing_a_tab_backs_over_its_width_and_a_disturbed_line_is_retyped() {
    let mut l = LineDiscipline::new();
    // The line starts at column 3 (a prompt), the tab takes it from 5 to 8.
    write_out(&mut l, b"$> ");
    let r = feed(&mut l, b"ab\t\x7f");
    assert_eq!(r.out, b"ab\t\x08\x08\x08");
    // Output between typing and erasing: the erase types the rest again instead.
    write_out(&mut l, b"!");
    let r = feed(&mut l, b"\x7f");
    assert_eq!(r.out, b"^R\r\na");
    // ...and then erases normally.
    let r = feed(&mut l, b"\x7f");
    assert_eq!(r.out, b"\x08 \x08");
    // Kill after a disturbance: ^U and a newline even with ECHOKE.
    feed(&mut l, b"xy");
    write_out(&mut l, b"!");
    let r = feed(&mut l, b"\x15");
    assert_eq!(r.out, b"^U\r\n");
}

#[test]
fn printing_terminal_erase_and_alternate_word_erase() {
    let mut l = LineDiscipline::new();
    let mut t = l.termios();
    t.local.set(LocalFlags::ECHOE, false);
    t.local.set(LocalFlags::ECHOPRT, true);
    l.set_termios(t, true);
    let r = feed(&mut l, b"abc\x7f\x7fd\n");
    assert_eq!(r.out, b"abc\\cb/d\r\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"ad\n"[..]));
    // ALTWERASE: the word ends where word characters meet others.
    t.local.set(LocalFlags::ECHO, false);
    t.local.set(LocalFlags::ALTWERASE, true);
    l.set_termios(t, true);
    feed(&mut l, b"cd foo.bar\x17\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"cd foo.\n"[..]));
    t.local.set(LocalFlags::ALTWERASE, false);
    l.set_termios(t, true);
    feed(&mut l, b"cd foo.bar\x17\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"cd \n"[..]));
}

#[test]
fn quoted_characters_are_data_and_echo_as_carets() {
    let mut l = LineDiscipline::new();
    // ^V then newline: data, echoed ^J, and the line goes on.
    let r = feed(&mut l, b"a\x16\nb\n");
    assert_eq!(r.out, b"a^\x08^Jb\r\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"a\nb\n"[..]));
    // A quoted tab erases as two columns.
    let r = feed(&mut l, b"\x16\t\x7f");
    assert_eq!(r.out, b"^\x08^I\x08 \x08\x08 \x08");
    // EOL2 needs IEXTEN.
    let mut t = l.termios();
    t.cc[Cc::Eol2 as usize] = b'#';
    t.local.set(LocalFlags::IEXTEN, false);
    t.local.set(LocalFlags::ECHO, false);
    l.set_termios(t, true);
    feed(&mut l, b"x#y\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"x#y\n"[..]));
}

#[test]
fn parity_marking_doubles_0377() {
    let mut l = LineDiscipline::new();
    let mut t = l.termios();
    t.input.set(InputFlags::PARMRK, true);
    t.local.set(LocalFlags::ICANON, false);
    t.local.set(LocalFlags::ECHO, false);
    l.set_termios(t, true);
    feed(&mut l, b"\xffa");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"\xff\xffa"[..]));
    t.input.set(InputFlags::ISTRIP, true);
    l.set_termios(t, true);
    feed(&mut l, b"\xff");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"\x7f"[..]));
}

#[test]
fn entering_canonical_mode_types_pending_input_again() {
    let mut l = LineDiscipline::new();
    let mut t = l.termios();
    t.local.set(LocalFlags::ICANON, false);
    l.set_termios(t, true);
    feed(&mut l, b"ab");
    t.local.set(LocalFlags::ICANON, true);
    l.set_termios(t, true);
    assert!(l.termios().local.contains(LocalFlags::PENDIN));
    // Not a line yet: typed again (echoed) with the next key, and edited.
    assert!(!l.readable(1));
    let r = feed(&mut l, b"\x7fc\n");
    assert_eq!(r.out, b"ab\x08 \x08c\r\n");
    assert!(!l.termios().local.contains(LocalFlags::PENDIN));
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"ac\n"[..]));
    // Without PENDIN (a flushing set) the bytes become the line being edited.
    t.local.set(LocalFlags::ICANON, false);
    l.set_termios(t, true);
    feed(&mut l, b"xy");
    t.local.set(LocalFlags::ICANON, true);
    l.set_termios(t, false);
    assert!(!l.termios().local.contains(LocalFlags::PENDIN));
    feed(&mut l, b"\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"xy\n"[..]));
}

#[test]
fn the_delayed_suspend_character_ends_a_read() {
    let mut l = LineDiscipline::new();
    let mut t = l.termios();
    t.local.set(LocalFlags::ECHO, false);
    l.set_termios(t, true);
    feed(&mut l, b"ab\x19c\n");
    let mut buf = [0u8; 16];
    assert_eq!(l.read(&mut buf), ReadOutcome::Suspend(2));
    assert_eq!(&buf[..2], b"ab");
    assert_eq!(l.read(&mut buf), ReadOutcome::Bytes(2));
    assert_eq!(&buf[..2], b"c\n");
    // Quoted, or without ISIG, it is data.
    feed(&mut l, b"\x16\x19\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"\x19\n"[..]));
    t.local.set(LocalFlags::ISIG, false);
    l.set_termios(t, true);
    feed(&mut l, b"\x19\n");
    assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"\x19\n"[..]));
}
