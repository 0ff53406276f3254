// MS-OXOABKT: the address book display and address-creation templates that
// NspiGetTemplateInfo (MS-OXNSPI 3.1.4.1.18) returns.
//
// PidTagTemplateData (0x00010102) carries a dialog as a TRowSet (2.2.2.1.1):
//   Type (u32, 1), cRows (u32), cRows x TRow (36 bytes each: XPos, DeltaX,
//   YPos, DeltaY, ControlType, ControlFlags, CNTRL{dwType, ulSize, ulString}),
// then the strings the CNTRLs point at: ulString is a byte offset from the
// start of the TRowSet to a NUL-terminated 8-bit string in the code page the
// client passed as dwCodePage (2.2.2.1.3).
//
// PidTagScriptData (0x00040102) carries the instructions a client runs to
// build an e-mail address from the properties of a creation template: a u32
// count of the DWORDs that follow, then the instructions.
//
// Both decoders read untrusted bytes (a template can also come from the
// directory): every offset, count and length is checked, nothing is read
// outside the buffer, and a violation is a DecodeError naming the field.
#pragma once

#include "common/bytes.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mg::oxoabkt {

// 2.2.2.1.2 ControlType.
enum class ControlType : uint32_t {
    Label = 0x0, Edit = 0x1, ListBox = 0x2, ComboBox = 0x3, DropDownListBox = 0x4, CheckBox = 0x5,
    GroupBox = 0x6, Button = 0x7, Page = 0x8, RadioButton = 0x9, MultiValuedListBox = 0xB,
    MultiValuedDropDownListBox = 0xC,
};
const char* control_type_name(ControlType t);

// 2.2.2.1.2 ControlFlags.
inline constexpr uint32_t kMultiline = 0x01, kEditable = 0x02, kRequired = 0x04, kSetImmediate = 0x08,
                          kPassword = 0x10, kAcceptDbcs = 0x20, kSetSelection = 0x40;

// Longest strings a CNTRL may point at, terminator included (2.2.2.1.3.x).
inline constexpr size_t kMaxLabel = 128, kMaxEditFilter = 15, kMaxPageLabel = 32;
// Our bound on the controls of one template.
inline constexpr uint32_t kMaxControls = 4096;

// One TRow. `text` is UTF-8 in memory; `prop` (dwType) is the property the
// control shows, `size` (ulSize) the characters an edit control takes.
struct Control {
    uint32_t x = 0, dx = 0, y = 0, dy = 0;
    ControlType type = ControlType::Label;
    uint32_t flags = 0;
    uint32_t prop = 0;
    uint32_t size = 0;
    std::string text;
    bool operator==(const Control&) const = default;
};

struct Template {
    std::vector<Control> controls;
    bool operator==(const Template&) const = default;
};

// TRowSet bytes, strings converted to `codepage` (characters it cannot hold
// become '?'). Throws std::invalid_argument for a string over its limit.
Bytes encode_template(const Template& t, uint32_t codepage);
// Throws DecodeError (bad Type, truncated rows, an offset outside the buffer,
// a string without terminator or over its limit, an unknown control type).
Template decode_template(ByteView b, uint32_t codepage);

// Script instructions (the opcodes whose operands are property tags and
// DWORD offsets; the string-emitting forms are not produced or accepted).
enum class Op : uint32_t {
    Halt = 0x0, Error = 0x1, EmitPropertyValue = 0x2, Jump = 0x3, JumpIfNotExists = 0x4,
    JumpIfEqualProperties = 0x5, EmitUpperProperty = 0x6,
};
struct Instruction {
    Op op = Op::Halt;
    uint32_t tag = 0;     // EmitPropertyValue, EmitUpperProperty, JumpIfNotExists, JumpIfEqualProperties
    uint32_t tag2 = 0;    // JumpIfEqualProperties
    uint32_t target = 0;  // the jumps
    bool operator==(const Instruction&) const = default;
};
inline constexpr uint32_t kMaxScriptDwords = 65536;

Bytes encode_script(const std::vector<Instruction>& s);
// Throws DecodeError (count not matching the bytes, an unknown opcode, an
// instruction cut short, no Halt).
std::vector<Instruction> decode_script(ByteView b);

}  // namespace mg::oxoabkt
