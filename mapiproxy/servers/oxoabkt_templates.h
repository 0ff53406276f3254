// The address book's templates (MS-OXOABKT), as NspiGetTemplateInfo
// (MS-OXNSPI 3.1.4.1.18) serves them.
//
// Display templates (one per display type a client asks about: mail user,
// distribution list, remote mail user / contact) show the properties the
// NSPI server serves, read-only: the server refuses NspiModProps on them
// (only a user's own certificates may change), so no control claims to be
// editable. Labels follow the template locale (English; German for the
// German LCIDs). The address-creation templates (one: SMTP) are listed by
// NspiGetSpecialTable and fetched by DN; their fields are editable (they
// describe a one-off address, not a directory object) and their script
// builds the address from PidTagEmailAddress.
#pragma once

#include "libmapi/oxoabkt.h"

#include <optional>
#include <string>
#include <vector>

namespace mg::nspi {

struct TemplateInfo {
    oxoabkt::Template dialog;                  // PidTagTemplateData
    std::vector<oxoabkt::Instruction> script;  // PidTagScriptData
    std::string address_type;                  // PidTagAddressType (TI_EMT)
};

// The display template for a display type (DT_MAILUSER, DT_DISTLIST,
// DT_REMOTE_MAILUSER) in the language of `lcid`; nullopt for other types.
std::optional<TemplateInfo> display_template(uint32_t display_type, uint32_t lcid);

struct CreationTemplate {
    std::string dn;           // permanent entry id DN (NspiGetSpecialTable, pDN)
    std::string display_name;
    std::string address_type;
};
// The address-creation table (NspiGetSpecialTable, NspiAddressCreationTemplates).
const std::vector<CreationTemplate>& creation_templates();
// The creation template with this DN (case-insensitive), nullopt when none.
std::optional<TemplateInfo> creation_template(const std::string& dn);

}  // namespace mg::nspi
