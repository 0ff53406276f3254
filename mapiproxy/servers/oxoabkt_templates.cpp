#include "mapiproxy/servers/oxoabkt_templates.h"

#include <algorithm>
#include <cctype>

namespace mg::nspi {

namespace ab = mg::oxoabkt;
using ab::ControlType;

namespace {

// Display types (MS-OXNSPI 2.2.1.7).
constexpr uint32_t DT_MAILUSER = 0, DT_DISTLIST = 1, DT_REMOTE_MAILUSER = 6;

// The properties the controls show, in their 8-bit forms (the template is an
// 8-bit dialog), PtypEmbeddedTable for the link lists (MS-OXOABK 2.2.3 - 2.2.6).
constexpr uint32_t PR_DISPLAY_NAME_A = 0x3001001E, PR_EMAIL_ADDRESS_A = 0x3003001E, PR_ACCOUNT_A = 0x3A00001E,
                   PR_GIVEN_NAME_A = 0x3A06001E, PR_INITIALS_A = 0x3A0A001E, PR_SURNAME_A = 0x3A11001E,
                   PR_TITLE_A = 0x3A17001E, PR_COMPANY_NAME_A = 0x3A16001E, PR_DEPARTMENT_NAME_A = 0x3A18001E,
                   PR_OFFICE_LOCATION_A = 0x3A19001E, PR_BUSINESS_PHONE_A = 0x3A08001E, PR_HOME_PHONE_A = 0x3A09001E,
                   PR_MOBILE_PHONE_A = 0x3A1C001E, PR_BUSINESS_FAX_A = 0x3A24001E, PR_PAGER_A = 0x3A21001E,
                   PR_STREET_ADDRESS_A = 0x3A29001E, PR_LOCALITY_A = 0x3A27001E, PR_STATE_A = 0x3A28001E,
                   PR_POSTAL_CODE_A = 0x3A2A001E, PR_COUNTRY_A = 0x3A26001E, PR_SMTP_ADDRESS_A = 0x39FE001E,
                   PR_EMS_AB_MANAGER_A = 0x8005001E, PR_EMS_AB_REPORTS_O = 0x800E000D,
                   PR_EMS_AB_MEMBER_O = 0x8009000D, PR_EMS_AB_IS_MEMBER_OF_DL_O = 0x8008000D,
                   PR_EMS_AB_PROXY_ADDRESSES_MVA = 0x800F101E;

// The labels of one language. '&' marks the shortcut key (2.2.2.1.3).
struct Labels {
    const char *general, *organization, *phone, *member_of, *addresses, *members;
    const char *first, *initials, *last, *display, *alias, *street, *city, *state, *zip, *country, *title,
        *company, *department, *office, *business, *home, *mobile, *fax, *pager, *manager, *reports, *email;
    const char *new_address, *new_display, *new_email;
};

const Labels kEnglish = {
    "General", "Organization", "Phone/Notes", "Member Of", "E-mail Addresses", "Members",
    "&First:", "Ini&tials:", "&Last:", "&Display:", "Alia&s:", "&Address:", "&City:", "St&ate:",
    "&Zip code:", "Co&untry/Region:", "T&itle:", "C&ompany:", "De&partment:", "O&ffice:", "&Business:",
    "&Home:", "&Mobile:", "Fa&x:", "&Pager:", "&Manager:", "Direct &reports:", "&E-mail:",
    "New Internet Address", "&Display name:", "&E-mail address:"};

const Labels kGerman = {
    "Allgemein", "Organisation", "Telefon/Notizen", "Mitglied von", "E-Mail-Adressen", "Mitglieder",
    "&Vorname:", "&Initialen:", "&Nachname:", "&Anzeige:", "Ali&as:", "&Straße:", "&Ort:", "&Bundesland:",
    "&Postleitzahl:", "&Land/Region:", "&Titel:", "&Firma:", "Ab&teilung:", "&Büro:", "&Geschäftlich:",
    "P&rivat:", "&Mobil:", "Fa&x:", "Pie&per:", "&Vorgesetzter:", "&Mitarbeiter:", "&E-Mail:",
    "Neue Internetadresse", "&Anzeigename:", "&E-Mail-Adresse:"};

const Labels& labels_for(uint32_t lcid) {
    return (lcid & 0x3FF) == 0x07 ? kGerman : kEnglish;  // primary language LANG_GERMAN (MS-LCID)
}

// Places controls on tabbed pages: a label column and a field column, in
// pixels (2.2.2.1.2).
class Layout {
public:
    void page(const char* text) {
        add(0, 0, 0, 0, ControlType::Page, 0, 0, 0, text);
        y_ = kTop;
    }
    void field(const char* label, uint32_t prop, uint32_t chars = 256, uint32_t flags = 0) {
        bool multi = (flags & ab::kMultiline) != 0;
        add(kLeft, kLabelWidth, y_ + 2, kLine, ControlType::Label, 0, 0, 0, label);
        add(kField, kFieldWidth, y_, multi ? 3 * kLine : kLine + 4, ControlType::Edit, flags, prop, chars, "*");
        y_ += multi ? 3 * kLine + kGap : kLine + 4 + kGap;
    }
    void list(const char* label, uint32_t prop, ControlType type) {
        add(kLeft, kLabelWidth, y_ + 2, kLine, ControlType::Label, 0, 0, 0, label);
        add(kField, kFieldWidth, y_, 5 * kLine, type, 0, prop, 0, "*");
        y_ += 5 * kLine + kGap;
    }
    ab::Template take() { return std::move(t_); }

private:
    static constexpr uint32_t kTop = 12, kLeft = 12, kLabelWidth = 100, kField = 120, kFieldWidth = 240,
                              kLine = 16, kGap = 8;
    void add(uint32_t x, uint32_t dx, uint32_t y, uint32_t dy, ControlType type, uint32_t flags, uint32_t prop,
             uint32_t size, const char* text) {
        t_.controls.push_back(ab::Control{x, dx, y, dy, type, flags, prop, size, text});
    }
    ab::Template t_;
    uint32_t y_ = kTop;
};

// Name and address fields shared by the mail user and contact templates.
void person_general(Layout& l, const Labels& s) {
    l.page(s.general);
    l.field(s.first, PR_GIVEN_NAME_A, 64);
    l.field(s.initials, PR_INITIALS_A, 6);
    l.field(s.last, PR_SURNAME_A, 64);
    l.field(s.display, PR_DISPLAY_NAME_A, 256);
    l.field(s.alias, PR_ACCOUNT_A, 64);
    l.field(s.street, PR_STREET_ADDRESS_A, 1024, ab::kMultiline);
    l.field(s.city, PR_LOCALITY_A, 128);
    l.field(s.state, PR_STATE_A, 128);
    l.field(s.zip, PR_POSTAL_CODE_A, 40);
    l.field(s.country, PR_COUNTRY_A, 128);
    l.field(s.title, PR_TITLE_A, 128);
    l.field(s.company, PR_COMPANY_NAME_A, 64);
    l.field(s.department, PR_DEPARTMENT_NAME_A, 64);
    l.field(s.office, PR_OFFICE_LOCATION_A, 128);
    l.field(s.business, PR_BUSINESS_PHONE_A, 64);
}

void phones(Layout& l, const Labels& s) {
    l.page(s.phone);
    l.field(s.business, PR_BUSINESS_PHONE_A, 64);
    l.field(s.home, PR_HOME_PHONE_A, 64);
    l.field(s.mobile, PR_MOBILE_PHONE_A, 64);
    l.field(s.fax, PR_BUSINESS_FAX_A, 64);
    l.field(s.pager, PR_PAGER_A, 64);
}

void addresses_and_groups(Layout& l, const Labels& s) {
    l.page(s.member_of);
    l.list(s.member_of, PR_EMS_AB_IS_MEMBER_OF_DL_O, ControlType::ListBox);
    l.page(s.addresses);
    l.list(s.addresses, PR_EMS_AB_PROXY_ADDRESSES_MVA, ControlType::MultiValuedListBox);
}

// A display template has nothing to compute: its script only halts.
TemplateInfo display_info(ab::Template t) {
    TemplateInfo ti;
    ti.dialog = std::move(t);
    ti.script = {ab::Instruction{ab::Op::Halt, 0, 0, 0}};
    ti.address_type = "EX";
    return ti;
}

std::string lower(std::string s) {
    for (auto& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

}  // namespace

std::optional<TemplateInfo> display_template(uint32_t display_type, uint32_t lcid) {
    const Labels& s = labels_for(lcid);
    Layout l;
    switch (display_type) {
    case DT_MAILUSER:
        person_general(l, s);
        l.page(s.organization);
        l.field(s.manager, PR_EMS_AB_MANAGER_A, 256);
        l.list(s.reports, PR_EMS_AB_REPORTS_O, ControlType::ListBox);
        phones(l, s);
        addresses_and_groups(l, s);
        break;
    case DT_DISTLIST:
        l.page(s.general);
        l.field(s.display, PR_DISPLAY_NAME_A, 256);
        l.field(s.alias, PR_ACCOUNT_A, 64);
        l.field(s.email, PR_SMTP_ADDRESS_A, 256);
        l.list(s.members, PR_EMS_AB_MEMBER_O, ControlType::ListBox);
        addresses_and_groups(l, s);
        break;
    case DT_REMOTE_MAILUSER:
        person_general(l, s);
        l.field(s.email, PR_SMTP_ADDRESS_A, 256);
        phones(l, s);
        addresses_and_groups(l, s);
        break;
    default: return std::nullopt;
    }
    return display_info(l.take());
}

namespace {
const std::vector<CreationTemplate> kCreationTemplates = {
    {"/o=mapigate/cn=Address-Templates/cn=SMTP", "Internet Address", "SMTP"}};
}  // namespace

const std::vector<CreationTemplate>& creation_templates() { return kCreationTemplates; }

std::optional<TemplateInfo> creation_template(const std::string& dn) {
    const auto& list = creation_templates();
    auto it = std::find_if(list.begin(), list.end(), [&](const CreationTemplate& c) { return lower(c.dn) == lower(dn); });
    if (it == list.end()) return std::nullopt;
    // 3.1.4.1.18: with a DN the locale is ignored: the creation template is English.
    const Labels& s = kEnglish;
    Layout l;
    l.page(s.new_address);
    l.field(s.new_display, PR_DISPLAY_NAME_A, 256, ab::kEditable | ab::kRequired);
    l.field(s.new_email, PR_EMAIL_ADDRESS_A, 256, ab::kEditable | ab::kRequired);
    TemplateInfo ti;
    ti.dialog = l.take();
    // The address is the e-mail address field as entered (MS-OXOABKT 2.2.3).
    ti.script = {ab::Instruction{ab::Op::EmitPropertyValue, PR_EMAIL_ADDRESS_A, 0, 0},
                 ab::Instruction{ab::Op::Halt, 0, 0, 0}};
    ti.address_type = it->address_type;
    return ti;
}

}  // namespace mg::nspi
