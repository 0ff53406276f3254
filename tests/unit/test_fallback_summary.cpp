// The summary image of fallback messages (providers/fallback/summary.h).
#include "libmapi/proptags.h"
#include "providers/fallback/summary.h"
#include "tests/common/sample_values.h"
#include "tests/unit/testutil.h"

using namespace mg;
using namespace mg::mapi;
using namespace mg::store::fallback;
using mg::test::expect_decode_error;

TEST_GROUP(FallbackSummary) {};

TEST(FallbackSummary, EveryStorableTypeRoundTrips) {
    PropList values = test::values_of_every_type();
    values.push_back({make_tag(0x6820, PT_NULL), std::monostate{}});
    Summary s = make_summary(values);
    std::vector<PropTag> tags;
    for (auto& v : values) tags.push_back(v.tag);
    std::vector<size_t> large;
    PropList back = read_summary(s.image, tags, large);
    CHECK(large.empty());
    for (size_t i = 0; i < values.size(); ++i)
        if (!(back[i] == values[i])) FAIL(("round trip failed for " + tag_str(values[i].tag)).c_str());
    // Asked as another string type / unspecified / missing / wrong type.
    PropTag asked[] = {make_tag(0x6808, PT_UNICODE), make_tag(0x6801, PT_UNSPECIFIED), make_tag(0x6899, PT_LONG),
                       make_tag(0x6801, PT_I8)};
    back = read_summary(s.image, asked, large);
    STRCMP_EQUAL("caf\xC3\xA9", back[0].as_str().c_str());
    LONGS_EQUAL(-123456, back[1].as_i32());
    CHECK(back[2].is_error());
    CHECK(back[3].is_error());
}

TEST(FallbackSummary, LargeValuesAreListedNotCopied) {
    PropList values = {{PidTagSubject, std::string("s")}, {PidTagBody, std::string(kSummaryValueLimit + 1, 'x')}};
    Summary s = make_summary(values);
    CHECK(s.image.size() < kSummaryValueLimit);
    // Size: 8 per property plus text/binary payload, as PidTagMessageSize counts it.
    LONGS_EQUAL(8 + 1 + 8 + int64_t(kSummaryValueLimit) + 1, s.size);
    PropTag tags[] = {PidTagBody, PidTagSubject};
    std::vector<size_t> large;
    PropList back = read_summary(s.image, tags, large);
    LONGS_EQUAL(1, large.size());
    LONGS_EQUAL(0, large[0]);
    CHECK(back[0].is_error());
    STRCMP_EQUAL("s", back[1].as_str().c_str());
}

TEST(FallbackSummary, DamagedImagesAreDecodeErrors) {
    Summary s = make_summary({{PidTagSubject, std::string("subject")}});
    PropTag tags[] = {PidTagSubject};
    std::vector<size_t> large;
    Bytes truncated(s.image.begin(), s.image.end() - 2);
    expect_decode_error([&] { read_summary(truncated, tags, large); }, "truncated");
    Bytes bad_version = s.image;
    bad_version[0] = 9;
    expect_decode_error([&] { read_summary(bad_version, tags, large); }, "version");
    Bytes bad_kind = s.image;
    bad_kind[5] = 77;  // the entry's kind byte
    expect_decode_error([&] { read_summary(bad_kind, tags, large); }, "kind");
    expect_decode_error([&] { read_summary(Bytes{}, tags, large); }, "truncated");
}
