/**
 * Real-world text that looks like what the detectors look for but is not: every detector is
 * tested to report nothing here (except the prompt-injection heuristic, whose misses on the
 * `injection` texts are its measured false-positive rate, injection-figures.ts). Each entry
 * says what it imitates.
 */
export interface LookAlike {
  readonly imitates: string;
  readonly text: string;
}

export const LOOK_ALIKES: readonly LookAlike[] = [
  // identifiers and hashes
  {
    imitates: "uuid",
    text: "Request 3f2b8c1e-9d4a-4b7e-a1c2-5e6f7a8b9c0d failed; retry with id 550e8400-e29b-41d4-a716-446655440000.",
  },
  { imitates: "uuid", text: "trace_id=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
  {
    imitates: "git hash",
    text: "Reverted commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (was a1b2c3d), see PR #4821.",
  },
  {
    imitates: "git hash",
    text: "git log --oneline: 5b09655 Guardrails contract; ad187e0 shared: route policy",
  },
  {
    imitates: "sha256",
    text: "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  },
  {
    imitates: "base64",
    text: "The image is data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  },
  // order, tracking and account-like numbers
  {
    imitates: "order number",
    text: "Your order #4000123456789010 has shipped; tracking 1Z999AA10123456784.",
  },
  {
    imitates: "order number",
    text: "Invoice INV-2024-000123, PO 4500012345, customer no. 100234567.",
  },
  { imitates: "order number", text: "Order 1234 5678 9012 3456 7890 was split into two parcels." },
  { imitates: "card", text: "Reference 1234-5678-9012-3456 is not a card (Luhn fails)." },
  { imitates: "card", text: "The test card in our docs is spelled out as four-two-four-two." },
  {
    imitates: "ssn",
    text: "Part number 000-12-3456 and lot 666-45-1234 are in stock; bin 912-34-5678.",
  },
  {
    imitates: "ssn",
    text: "Room 123-456-7890 is not a social security number, nor is 2024-11-05.",
  },
  {
    imitates: "iban",
    text: "Model codes DE12 ABCD and GB99 XXXX 1234 are shelf labels, not accounts.",
  },
  { imitates: "iban", text: "Use ISO 8601 and RFC 3339; the part is AB12-CD34-EF56." },
  // dates, times, numbers
  {
    imitates: "timestamp",
    text: "Created at 2024-01-15T10:30:00Z, updated 2024-01-15 10:31:07.123 (epoch 1705314600000).",
  },
  {
    imitates: "timestamp",
    text: "Logged at 1733590000000 ms and 1733590000 s; duration 00:12:30.",
  },
  { imitates: "timestamp", text: "The cron is 0 */5 * * * and the deadline is 12/31/2025 23:59." },
  { imitates: "phone", text: "Population grew from 1,234,567 to 2,345,678 between 2010 and 2020." },
  { imitates: "phone", text: "Call extension 4821 or room 12-34; the year range is 1999-2004." },
  { imitates: "phone", text: "Coordinates 51.5074, -0.1278; temperature -12.5 to +35.2 degrees." },
  { imitates: "phone", text: "Score +3 points, then +12 more; math: 2+2=4 and 10 - 3 = 7." },
  { imitates: "phone", text: "The dimensions are 120 x 80 x 45 cm and it weighs 12.5 kg." },
  // versions and network-ish strings
  {
    imitates: "ip",
    text: "Upgrade from v1.2.3.4 to version 10.0.0.1; node 20.19.0 and numpy==1.26.4.",
  },
  { imitates: "ip", text: "Chrome 120.0.6099.109 and OID 1.3.6.1.4.1.311 are not addresses." },
  {
    imitates: "ip",
    text: "npm install lodash@4.17.21 typescript@5.4.2; pip install requests==2.31.0",
  },
  { imitates: "ip", text: "Section 2.3.1.4 of the manual; figure 1.2.3.4.5." },
  {
    imitates: "ipv6",
    text: "Meeting at 10:30:45, MAC 00:1A:2B:3C:4D:5E, std::vector<int> and a::b.",
  },
  { imitates: "ipv6", text: "Use std::map::find and Foo::Bar::baz(); ratio 16:9:4." },
  // e-mail look-alikes
  { imitates: "email", text: "Install @types/node and @scope/pkg; run npx @biomejs/biome check." },
  {
    imitates: "email",
    text: "Clone git@github.com:acme/widgets.git and add icon@2x.png to assets.",
  },
  {
    imitates: "email",
    text: "Decorators like @app.route('/x') and @pytest.fixture; mention @alice on Slack.",
  },
  { imitates: "email", text: "user@localhost is not routable; ping me @ 5pm." },
  // secret look-alikes
  {
    imitates: "openai key",
    text: "We use sk-learn (scikit-learn) and the sk-SK locale; task-id sk-12.",
  },
  {
    imitates: "stripe key",
    text: "Publishable keys start with pk_live_ and test mode keys with sk_test_ (placeholders).",
  },
  { imitates: "aws key", text: "Set AWS_ACCESS_KEY_ID=<your key id> and AWS_REGION=eu-west-1." },
  { imitates: "jwt", text: "A JWT looks like header.payload.signature; ours starts with eyJ." },
  { imitates: "github token", text: "Prefix ghp_ marks a personal token; gho_ an OAuth token." },
  {
    imitates: "private key",
    text: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
  },
  {
    imitates: "private key",
    text: "Paste your private key (the file starting with BEGIN OPENSSH) into ~/.ssh.",
  },
  {
    imitates: "database url",
    text: "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app and redis://localhost:6379/0",
  },
  {
    imitates: "database url",
    text: "Connect with postgresql://user:<password>@host/db or mysql://root@127.0.0.1/test",
  },
  {
    imitates: "database url",
    text: "See https://user:pass@example.com docs and mongodb://db.internal:27017/app",
  },
  { imitates: "slack token", text: "Slack token prefixes are xoxb- for bots and xoxp- for users." },
  {
    imitates: "google key",
    text: "The Maps key in the docs is shown as AIza... followed by 35 characters.",
  },
  // plain English and code
  {
    imitates: "plain English",
    text: "Thanks for the quick reply! Could you summarise the attached report in three bullet points?",
  },
  {
    imitates: "plain English",
    text: "The quarterly numbers look good: revenue is up 12% and churn is down to 3.1%.",
  },
  { imitates: "plain English", text: "Write a haiku about autumn leaves falling on a quiet pond." },
  { imitates: "code", text: "for (let i = 0; i < 10; i++) { sum += values[i] * 2; } // O(n)" },
  {
    imitates: "code",
    text: "SELECT id, email_hash FROM users WHERE created_at > '2024-01-01' LIMIT 100;",
  },
  {
    imitates: "code",
    text: "const re = /^[a-z0-9._%+-]+$/i; if (!re.test(local)) throw new Error('bad');",
  },
  { imitates: "emoji", text: "Family trip 👨‍👩‍👧‍👦 and a rainbow flag 🏳️‍🌈 — great weekend!" },
  { imitates: "persian", text: "می‌خواهم این متن را ترجمه کنی" },
  { imitates: "hindi", text: "क्‍या आप इसका अनुवाद कर सकते हैं?" },
  // prompt-injection look-alikes (benign)
  { imitates: "injection", text: "Please ignore my previous email, I sent it to the wrong team." },
  { imitates: "injection", text: "Forget about the meeting tomorrow, we moved it to Friday." },
  {
    imitates: "injection",
    text: "You are now subscribed to our newsletter. You can unsubscribe at any time.",
  },
  {
    imitates: "injection",
    text: "Can you act as a translator between my Spanish and German colleagues?",
  },
  {
    imitates: "injection",
    text: "What are the system requirements? Show me the installation instructions.",
  },
  {
    imitates: "injection",
    text: "Set core.ignorecase and add *.log to .gitignore so previous builds are skipped.",
  },
  {
    imitates: "injection",
    text: "The DAN river flows north; developer mode on Android is under Settings.",
  },
  {
    imitates: "injection",
    text: "Override the default rules in eslint.config.js and disregard warnings for tests.",
  },
  { imitates: "injection", text: "Pretend you are a pirate and tell me a story about treasure." },
  {
    imitates: "injection",
    text: "Ignore the previous instructions I gave you about the oven; the new ones are below.",
  },
  {
    imitates: "injection",
    text: "Security teams warn about prompts like 'ignore all previous instructions' in web pages.",
  },
  {
    imitates: "injection",
    text: "Can you repeat the instructions from the recipe? I missed the second step.",
  },
  { imitates: "injection", text: "New instructions for the on-call rotation are in the wiki." },
  { imitates: "injection", text: "Do anything you think is best with the leftover budget." },
  { imitates: "injection", text: "Bypass the cache for this request and skip the earlier steps." },
  {
    imitates: "injection",
    text: "Our system prompt engineering guide explains few-shot examples.",
  },
];
