// GraphQL documents of the admin migration screen (views/admin/Migration.vue): mail migrations
// from the old server, their live progress, each member's report, and the cut-over checklist.

const ERR = '... on MailMigrationError { code field message }'
const MEMBER = 'id oldAddress newAddress state foldersTotal foldersDone messagesTotal messagesDone bytesTotal bytesDone stored refused lastError startedAt finishedAt nextAttemptAt'
const MIGRATION = `id source state masterUser createdBy createdAt finishedAt runs runStartedAt messagesTotal messagesDone bytesTotal bytesDone stored refused membersFinished rate byteRate etaSeconds complete members { ${MEMBER} }`
const REPORT = 'report { folders { name local old new duplicates refused error } refusals { folder key reason } }'

export const MIGRATIONS = `query { mailMigrations { ${MIGRATION} } }`

export const MIGRATION_REPORT = `query($id:ID!){ mailMigration(id:$id){ id source members { id oldAddress newAddress state stored refused lastError ${REPORT} } } }`

export const PROGRESS = `subscription($id:ID!){ mailMigrationProgress(id:$id){ ${MIGRATION} } }`

export const START_FROM_FILE = `mutation($s:String!,$f:Upload!,$u:String,$p:String){ startMailMigrationFromFile(source:$s, file:$f, masterUser:$u, masterPassword:$p){ __typename ... on MailMigration { ${MIGRATION} } ${ERR} } }`

export const PAUSE = `mutation($id:ID!){ pauseMailMigration(id:$id){ __typename ... on MailMigration { ${MIGRATION} } ${ERR} } }`

export const RESUME = `mutation($id:ID!){ resumeMailMigration(id:$id){ __typename ... on MailMigration { ${MIGRATION} } ${ERR} } }`

export const FORCE_PASSWORD = `mutation($id:ID!){ forceMailMigrationPasswordChange(id:$id){ __typename ... on MailMigrationPasswordsForced { members } ${ERR} } }`

export const CUTOVER = 'query { mailMigrationCutover { mustChangePassword items { key state done total pending } } }'

export const DOMAINS = 'query { domains { name kind verified } }'

export const DNS_RECORDS = 'query($d:String!){ dnsRecords(domain:$d){ key type name value priority purpose required status reason reasonCode checkedAt } }'

export const VERIFY_DOMAIN = 'mutation($d:String!){ verifyDomain(domain:$d){ __typename ... on AdminError { code field message } } }'

/** The report of every member as CSV text (with a BOM, so Excel reads the Chinese): a row per
 * old folder, then a row per message refused. */
export function reportCsv(members) {
  const cell = (v) => {
    const s = String(v ?? '')
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  const rows = [['old address', 'new address', 'state', 'folder', 'our folder', 'old', 'new', 'duplicates', 'refused', 'message', 'reason']]
  for (const m of members) {
    for (const f of m.report.folders) {
      rows.push([m.oldAddress, m.newAddress, m.state, f.name, f.local, f.old, f.new, f.duplicates, f.refused, '', f.error || ''])
    }
    for (const r of m.report.refusals) rows.push([m.oldAddress, m.newAddress, m.state, r.folder, '', '', '', '', '', r.key, r.reason])
    if (m.lastError) rows.push([m.oldAddress, m.newAddress, m.state, '', '', '', '', '', '', '', m.lastError])
  }
  return `\ufeff${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`
}
