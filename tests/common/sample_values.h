// One value of every storable MAPI property type (ids 0x6800-0x681A), for
// the round-trip tests of the unit and store test programs.
#pragma once

#include "libmapi/property.h"
#include "libmapi/restriction.h"
#include "mapistore/ids.h"

#include <memory>

namespace mg::test {

inline mapi::PropList values_of_every_type() {
    using namespace mapi;
    Guid g = store::random_guid();
    Restriction exist;
    exist.type = Restriction::Exist;
    exist.tag = PidTagSubject;
    auto restr = std::make_shared<const Restriction>(exist);
    return {
        {make_tag(0x6800, PT_SHORT), int16_t(-12)},
        {make_tag(0x6801, PT_LONG), int32_t(-123456)},
        {make_tag(0x6802, PT_FLOAT), 1.5f},
        {make_tag(0x6803, PT_DOUBLE), -2.25},
        {make_tag(0x6804, PT_CURRENCY), int64_t(123456789)},
        {make_tag(0x6805, PT_APPTIME), 45000.5},
        {make_tag(0x6806, PT_BOOLEAN), true},
        {make_tag(0x6807, PT_I8), int64_t(-9000000000000LL)},
        {make_tag(0x6808, PT_STRING8), std::string("caf\xC3\xA9")},
        {make_tag(0x6809, PT_UNICODE), std::string("\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80")},
        {make_tag(0x680A, PT_SYSTIME), int64_t(133000000000000000LL)},
        {make_tag(0x680B, PT_CLSID), g},
        {make_tag(0x680C, PT_BINARY), Bytes{0, 1, 2, 255}},
        {make_tag(0x680D, PT_SVREID), Bytes{1, 2}},
        {make_tag(0x680E, PT_SRESTRICT), restr},
        {make_tag(0x680F, PT_MV_SHORT), std::vector<int16_t>{1, -2}},
        {make_tag(0x6810, PT_MV_LONG), std::vector<int32_t>{7, 8, 9}},
        {make_tag(0x6811, PT_MV_FLOAT), std::vector<float>{0.5f}},
        {make_tag(0x6812, PT_MV_DOUBLE), std::vector<double>{1e300, -1}},
        {make_tag(0x6813, PT_MV_CURRENCY), std::vector<int64_t>{1}},
        {make_tag(0x6814, PT_MV_APPTIME), std::vector<double>{2.5}},
        {make_tag(0x6815, PT_MV_I8), std::vector<int64_t>{INT64_MIN, INT64_MAX}},
        {make_tag(0x6816, PT_MV_STRING8), std::vector<std::string>{"a", "\xC3\xBC"}},
        {make_tag(0x6817, PT_MV_UNICODE), std::vector<std::string>{"", "x y"}},
        {make_tag(0x6818, PT_MV_SYSTIME), std::vector<int64_t>{1, 2}},
        {make_tag(0x6819, PT_MV_CLSID), std::vector<Guid>{g, store::random_guid()}},
        {make_tag(0x681A, PT_MV_BINARY), std::vector<Bytes>{{}, {9, 9}}},
    };
}

}  // namespace mg::test
