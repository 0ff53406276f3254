// Property tags mapigate uses ([MS-OXPROPS] canonical names; each tag is
// PropertyId << 16 | PropertyType, MS-OXCDATA 2.9). One list, MG_PROPTAGS,
// defines both the constants and the names tag_name() reports.
#pragma once

#include "libmapi/property.h"

#include <string>

// X(name, tag), grouped by the protocol document that uses them most.
#define MG_PROPTAGS(X)                                        \
    /* objects in general (MS-OXCPRPT, MS-OXCMSG) */           \
    X(PidTagAccess, 0x0FF40003)                               \
    X(PidTagRowType, 0x0FF50003)                              \
    X(PidTagInstanceKey, 0x0FF60102)                          \
    X(PidTagAccessLevel, 0x0FF70003)                          \
    X(PidTagMappingSignature, 0x0FF80102)                     \
    X(PidTagRecordKey, 0x0FF90102)                            \
    X(PidTagStoreRecordKey, 0x0FFA0102)                       \
    X(PidTagStoreEntryId, 0x0FFB0102)                         \
    X(PidTagObjectType, 0x0FFE0003)                           \
    X(PidTagEntryId, 0x0FFF0102)                              \
    X(PidTagRowid, 0x30000003)                                \
    X(PidTagDisplayName, 0x3001001F)                          \
    X(PidTagAddressType, 0x3002001F)                          \
    X(PidTagEmailAddress, 0x3003001F)                         \
    X(PidTagComment, 0x3004001F)                              \
    X(PidTagDepth, 0x30050003)                                \
    X(PidTagCreationTime, 0x30070040)                         \
    X(PidTagLastModificationTime, 0x30080040)                 \
    X(PidTagSearchKey, 0x300B0102)                            \
    X(PidTagTargetEntryId, 0x30100102)                        \
    X(PidTagInternetCodepage, 0x3FDE0003)                     \
    X(PidTagAutoResponseSuppress, 0x3FDF0003)                 \
    X(PidTagAccessControlListData, 0x3FE00102)                \
    X(PidTagMessageLocaleId, 0x3FF10003)                      \
    X(PidTagCreatorName, 0x3FF8001F)                          \
    X(PidTagCreatorEntryId, 0x3FF90102)                       \
    X(PidTagLastModifierName, 0x3FFA001F)                     \
    X(PidTagLastModifierEntryId, 0x3FFB0102)                  \
    X(PidTagMessageCodepage, 0x3FFD0003)                      \
    X(PidTagRights, 0x66390003)                               \
    X(PidTagHasNamedProperties, 0x664A000B)                   \
    X(PidTagLocaleId, 0x66A10003)                             \
    X(PidTagCodePageId, 0x66C30003)                           \
    X(PidTagSortLocaleId, 0x67050003)                         \
    /* store and logon (MS-OXCSTOR) */                        \
    X(PidTagStoreSupportMask, 0x340D0003)                     \
    X(PidTagStoreState, 0x340E0003)                           \
    X(PidTagStorageQuotaLimit, 0x3FF50003)                    \
    X(PidTagUserEntryId, 0x66190102)                          \
    X(PidTagMailboxOwnerEntryId, 0x661B0102)                  \
    X(PidTagMailboxOwnerName, 0x661C001F)                     \
    X(PidTagOutOfOfficeState, 0x661D000B)                     \
    X(PidTagProhibitReceiveQuota, 0x666A0003)                 \
    X(PidTagMaximumSubmitMessageSize, 0x666D0003)             \
    X(PidTagProhibitSendQuota, 0x666E0003)                    \
    X(PidTagExtendedRuleSizeLimit, 0x0E9B0003)                \
    X(PidTagNormalMessageSize, 0x66B30003)                    \
    /* special folders (MS-OXOSFLD 2.2) */                    \
    X(PidTagValidFolderMask, 0x35DF0003)                      \
    X(PidTagIpmSubtreeEntryId, 0x35E00102)                    \
    X(PidTagIpmOutboxEntryId, 0x35E20102)                     \
    X(PidTagIpmWastebasketEntryId, 0x35E30102)                \
    X(PidTagIpmSentMailEntryId, 0x35E40102)                   \
    X(PidTagViewsEntryId, 0x35E50102)                         \
    X(PidTagCommonViewsEntryId, 0x35E60102)                   \
    X(PidTagFinderEntryId, 0x35E70102)                        \
    X(PidTagIpmAppointmentEntryId, 0x36D00102)                \
    X(PidTagIpmContactEntryId, 0x36D10102)                    \
    X(PidTagIpmJournalEntryId, 0x36D20102)                    \
    X(PidTagIpmNoteEntryId, 0x36D30102)                       \
    X(PidTagIpmTaskEntryId, 0x36D40102)                       \
    X(PidTagRemindersOnlineEntryId, 0x36D50102)               \
    X(PidTagIpmDraftsEntryId, 0x36D70102)                     \
    X(PidTagAdditionalRenEntryIds, 0x36D81102)                \
    X(PidTagAdditionalRenEntryIdsEx, 0x36D90102)              \
    X(PidTagExtendedFolderFlags, 0x36DA0102)                  \
    X(PidTagFreeBusyEntryIds, 0x36E41102)                     \
    X(PidTagDefaultPostMessageClass, 0x36E5001F)              \
    /* folders (MS-OXCFOLD) */                                \
    X(PidTagContainerFlags, 0x36000003)                       \
    X(PidTagFolderType, 0x36010003)                           \
    X(PidTagContentCount, 0x36020003)                         \
    X(PidTagContentUnreadCount, 0x36030003)                   \
    X(PidTagSubfolders, 0x360A000B)                           \
    X(PidTagAnr, 0x360C001F)                                  \
    X(PidTagContainerHierarchy, 0x360E000D)                   \
    X(PidTagContainerContents, 0x360F000D)                    \
    X(PidTagFolderAssociatedContents, 0x3610000D)             \
    X(PidTagContainerClass, 0x3613001F)                       \
    X(PidTagAssociatedContentCount, 0x36170003)               \
    X(PidTagAttributeHidden, 0x10F4000B)                      \
    X(PidTagAttributeSystem, 0x10F5000B)                      \
    X(PidTagAttributeReadOnly, 0x10F6000B)                    \
    X(PidTagFolderChildCount, 0x66380003)                     \
    X(PidTagHasRules, 0x663A000B)                             \
    X(PidTagAddressBookEntryId, 0x663B0102)                   \
    X(PidTagHierarchyChangeNumber, 0x663E0003)                \
    X(PidTagMemberId, 0x66710014)                             \
    X(PidTagMemberName, 0x6672001F)                           \
    X(PidTagMemberRights, 0x66730003)                         \
    X(PidTagDeletedOn, 0x668F0040)                            \
    X(PidTagFolderFlags, 0x66A80003)                          \
    X(PidTagLocalCommitTime, 0x67090040)                      \
    X(PidTagLocalCommitTimeMax, 0x670A0040)                   \
    X(PidTagDeletedCountTotal, 0x670B0003)                    \
    X(PidTagFolderId, 0x67480014)                             \
    X(PidTagParentFolderId, 0x67490014)                       \
    X(PidTagHierRev, 0x40820040)                              \
    /* messages (MS-OXCMSG, MS-OXOMSG) */                     \
    X(PidTagAutoForwarded, 0x0005000B)                        \
    X(PidTagDeferredDeliveryTime, 0x000F0040)                 \
    X(PidTagExpiryTime, 0x00150040)                           \
    X(PidTagImportance, 0x00170003)                           \
    X(PidTagMessageClass, 0x001A001F)                         \
    X(PidTagOriginatorDeliveryReportRequested, 0x0023000B)    \
    X(PidTagPriority, 0x00260003)                             \
    X(PidTagReadReceiptRequested, 0x0029000B)                 \
    X(PidTagSensitivity, 0x00360003)                          \
    X(PidTagSubject, 0x0037001F)                              \
    X(PidTagClientSubmitTime, 0x00390040)                     \
    X(PidTagSentRepresentingSearchKey, 0x003B0102)            \
    X(PidTagSubjectPrefix, 0x003D001F)                        \
    X(PidTagReceivedByEntryId, 0x003F0102)                    \
    X(PidTagReceivedByName, 0x0040001F)                       \
    X(PidTagSentRepresentingEntryId, 0x00410102)              \
    X(PidTagSentRepresentingName, 0x0042001F)                 \
    X(PidTagReceivedRepresentingEntryId, 0x00430102)          \
    X(PidTagReceivedRepresentingName, 0x0044001F)             \
    X(PidTagReplyRecipientEntries, 0x004F0102)                \
    X(PidTagReplyRecipientNames, 0x0050001F)                  \
    X(PidTagReceivedBySearchKey, 0x00510102)                  \
    X(PidTagReceivedRepresentingSearchKey, 0x00520102)        \
    X(PidTagMessageToMe, 0x0057000B)                          \
    X(PidTagMessageCcMe, 0x0058000B)                          \
    X(PidTagStartDate, 0x00600040)                            \
    X(PidTagEndDate, 0x00610040)                              \
    X(PidTagSentRepresentingAddressType, 0x0064001F)          \
    X(PidTagSentRepresentingEmailAddress, 0x0065001F)         \
    X(PidTagConversationTopic, 0x0070001F)                    \
    X(PidTagConversationIndex, 0x00710102)                    \
    X(PidTagReceivedByAddressType, 0x0075001F)                \
    X(PidTagReceivedByEmailAddress, 0x0076001F)               \
    X(PidTagReceivedRepresentingAddressType, 0x0077001F)      \
    X(PidTagReceivedRepresentingEmailAddress, 0x0078001F)     \
    X(PidTagTransportMessageHeaders, 0x007D001F)              \
    X(PidTagSenderEntryId, 0x0C190102)                        \
    X(PidTagSenderName, 0x0C1A001F)                           \
    X(PidTagSenderSearchKey, 0x0C1D0102)                      \
    X(PidTagSenderAddressType, 0x0C1E001F)                    \
    X(PidTagSenderEmailAddress, 0x0C1F001F)                   \
    X(PidTagDeleteAfterSubmit, 0x0E01000B)                    \
    X(PidTagDisplayBcc, 0x0E02001F)                           \
    X(PidTagDisplayCc, 0x0E03001F)                            \
    X(PidTagDisplayTo, 0x0E04001F)                            \
    X(PidTagMessageDeliveryTime, 0x0E060040)                  \
    X(PidTagMessageFlags, 0x0E070003)                         \
    X(PidTagMessageSize, 0x0E080003)                          \
    X(PidTagMessageSizeExtended, 0x0E080014)                  \
    X(PidTagParentEntryId, 0x0E090102)                        \
    X(PidTagSentMailEntryId, 0x0E0A0102)                      \
    X(PidTagResponsibility, 0x0E0F000B)                       \
    X(PidTagMessageRecipients, 0x0E12000D)                    \
    X(PidTagMessageAttachments, 0x0E13000D)                   \
    X(PidTagSubmitFlags, 0x0E140003)                          \
    X(PidTagMessageStatus, 0x0E170003)                        \
    X(PidTagHasAttachments, 0x0E1B000B)                       \
    X(PidTagNormalizedSubject, 0x0E1D001F)                    \
    X(PidTagRtfInSync, 0x0E1F000B)                            \
    X(PidTagToDoItemFlags, 0x0E2B0003)                        \
    X(PidTagRead, 0x0E69000B)                                 \
    X(PidTagTrustSender, 0x0E790003)                          \
    X(PidTagBody, 0x1000001F)                                 \
    X(PidTagRtfCompressed, 0x10090102)                        \
    X(PidTagBodyHtml, 0x1013001F)                             \
    X(PidTagHtml, 0x10130102)                                 \
    X(PidTagBodyContentLocation, 0x1014001F)                  \
    X(PidTagBodyContentId, 0x1015001F)                        \
    X(PidTagNativeBody, 0x10160003)                           \
    X(PidTagInternetMessageId, 0x1035001F)                    \
    X(PidTagInternetReferences, 0x1039001F)                   \
    X(PidTagInReplyToId, 0x1042001F)                          \
    X(PidTagIconIndex, 0x10800003)                            \
    X(PidTagLastVerbExecuted, 0x10810003)                     \
    X(PidTagLastVerbExecutionTime, 0x10820040)                \
    X(PidTagFlagStatus, 0x10900003)                           \
    X(PidTagFlagCompleteTime, 0x10910040)                     \
    X(PidTagFollowupIcon, 0x10950003)                         \
    X(PidTagBlockStatus, 0x10960003)                          \
    X(PidTagMessageEditorFormat, 0x59090003)                  \
    X(PidTagSenderSmtpAddress, 0x5D01001F)                    \
    X(PidTagSentRepresentingSmtpAddress, 0x5D02001F)          \
    X(PidTagMid, 0x674A0014)                                  \
    X(PidTagInstID, 0x674D0014)                               \
    X(PidTagInstanceNum, 0x674E0003)                          \
    X(PidTagAssociated, 0x67AA000B)                           \
    /* recipients and address book properties (MS-OXCMSG, MS-OXOABK) */ \
    X(PidTagRecipientType, 0x0C150003)                        \
    X(PidTagDisplayType, 0x39000003)                          \
    X(PidTagDisplayTypeEx, 0x39050003)                        \
    X(PidTagSmtpAddress, 0x39FE001F)                          \
    X(PidTagAddressBookDisplayNamePrintable, 0x39FF001F)      \
    X(PidTagAccount, 0x3A00001F)                              \
    X(PidTagGivenName, 0x3A06001F)                            \
    X(PidTagBusinessTelephoneNumber, 0x3A08001F)              \
    X(PidTagInitials, 0x3A0A001F)                             \
    X(PidTagSurname, 0x3A11001F)                              \
    X(PidTagCompanyName, 0x3A16001F)                          \
    X(PidTagTitle, 0x3A17001F)                                \
    X(PidTagDepartmentName, 0x3A18001F)                       \
    X(PidTagOfficeLocation, 0x3A19001F)                       \
    X(PidTagMobileTelephoneNumber, 0x3A1C001F)                \
    X(PidTagTransmittableDisplayName, 0x3A20001F)             \
    X(PidTagSendRichInfo, 0x3A40000B)                         \
    X(PidTagSendInternetEncoding, 0x3A710003)                 \
    X(PidTagRecipientOrder, 0x5FDF0003)                       \
    X(PidTagRecipientDisplayName, 0x5FF6001F)                 \
    X(PidTagRecipientEntryId, 0x5FF70102)                     \
    X(PidTagRecipientTrackStatusTime, 0x5FFB0040)             \
    X(PidTagRecipientFlags, 0x5FFD0003)                       \
    X(PidTagRecipientTrackStatus, 0x5FFF0003)                 \
    /* attachments (MS-OXCMSG 2.2.2) */                       \
    X(PidTagAttachSize, 0x0E200003)                           \
    X(PidTagAttachNumber, 0x0E210003)                         \
    X(PidTagAttachDataBinary, 0x37010102)                     \
    X(PidTagAttachDataObject, 0x3701000D)                     \
    X(PidTagAttachEncoding, 0x37020102)                       \
    X(PidTagAttachExtension, 0x3703001F)                      \
    X(PidTagAttachFilename, 0x3704001F)                       \
    X(PidTagAttachMethod, 0x37050003)                         \
    X(PidTagAttachLongFilename, 0x3707001F)                   \
    X(PidTagAttachPathname, 0x3708001F)                       \
    X(PidTagAttachRendering, 0x37090102)                      \
    X(PidTagAttachTag, 0x370A0102)                            \
    X(PidTagRenderingPosition, 0x370B0003)                    \
    X(PidTagAttachTransportName, 0x370C001F)                  \
    X(PidTagAttachLongPathname, 0x370D001F)                   \
    X(PidTagAttachMimeTag, 0x370E001F)                        \
    X(PidTagAttachAdditionalInformation, 0x370F0102)          \
    X(PidTagAttachContentBase, 0x3711001F)                    \
    X(PidTagAttachContentId, 0x3712001F)                      \
    X(PidTagAttachContentLocation, 0x3713001F)                \
    X(PidTagAttachFlags, 0x37140003)                          \
    X(PidTagTextAttachmentCharset, 0x371B001F)                \
    X(PidTagExceptionReplaceTime, 0x7FF90040)                 \
    X(PidTagAttachmentLinkId, 0x7FFA0003)                     \
    X(PidTagExceptionStartTime, 0x7FFB0040)                   \
    X(PidTagExceptionEndTime, 0x7FFC0040)                     \
    X(PidTagAttachmentFlags, 0x7FFD0003)                      \
    X(PidTagAttachmentHidden, 0x7FFE000B)                     \
    X(PidTagAttachmentContactPhoto, 0x7FFF000B)               \
    /* incremental change synchronization (MS-OXCFXICS 2.2.1) */ \
    X(PidTagIdsetGiven, 0x40170003)                           \
    X(PidTagIdsetNoLongerInScope, 0x40210102)                 \
    X(PidTagIdsetRead, 0x402D0102)                            \
    X(PidTagIdsetUnread, 0x402E0102)                          \
    X(PidTagSourceKey, 0x65E00102)                            \
    X(PidTagParentSourceKey, 0x65E10102)                      \
    X(PidTagChangeKey, 0x65E20102)                            \
    X(PidTagPredecessorChangeList, 0x65E30102)                \
    X(PidTagIdsetExpired, 0x67930102)                         \
    X(PidTagCnsetSeen, 0x67960102)                            \
    X(PidTagChangeNumber, 0x67A40014)                         \
    X(PidTagCnsetRead, 0x67D20102)                            \
    X(PidTagCnsetSeenFAI, 0x67DA0102)                         \
    X(PidTagIdsetDeleted, 0x67E50102)                         \
    /* rules (MS-OXORULE 2.2.1) */                            \
    X(PidTagExtendedRuleMessageActions, 0x0E990102)           \
    X(PidTagExtendedRuleMessageCondition, 0x0E9A0102)         \
    X(PidTagRuleId, 0x66740014)                               \
    X(PidTagRuleSequence, 0x66760003)                         \
    X(PidTagRuleState, 0x66770003)                            \
    X(PidTagRuleUserFlags, 0x66780003)                        \
    X(PidTagRuleCondition, 0x667900FD)                        \
    X(PidTagRuleActions, 0x668000FE)                          \
    X(PidTagRuleProvider, 0x6681001F)                         \
    X(PidTagRuleName, 0x6682001F)                             \
    X(PidTagRuleLevel, 0x66830003)                            \
    X(PidTagRuleProviderData, 0x66840102)

namespace mg::mapi {

#define MG_PROPTAG_CONSTANT(name, tag) inline constexpr PropTag name = tag;
MG_PROPTAGS(MG_PROPTAG_CONSTANT)
#undef MG_PROPTAG_CONSTANT

// Other names in use for the same tags.
inline constexpr PropTag PidTagIpmFinderEntryId = PidTagFinderEntryId;  // PR_FINDER_ENTRYID
inline constexpr PropTag PidTagPrimarySmtpAddress = PidTagSmtpAddress;

// "PidTagSubject" for 0x0037001F, and for the same property id with another
// type (0x0037000A, an error row value); "unknown" for tags not in the list.
const char* tag_name(PropTag tag);
// For logs: "PidTagSubject (0x0037001F)" or "0x12340003".
std::string tag_str(PropTag tag);

}  // namespace mg::mapi
