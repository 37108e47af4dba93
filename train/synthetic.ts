/**
 * Messages in the style of today's mail and texts, generated from templates
 * written for this project, for both labels: the SpamAssassin corpus (2002)
 * has no ham about orders, invoices, bookings or sign-in codes, so a model
 * trained on it alone learns that commercial vocabulary means spam. The
 * templates give each label the same topics, lengths, links and amounts, so
 * the label has to come from what a message asks of its reader (pay, verify,
 * click, reply with details) and not from its vocabulary. Names, companies,
 * hosts and figures are invented. None of it is used for evaluation; the
 * modern set (train/modern-set.jsonl) stays held out, and a test checks that
 * no generated message shares a run of six words with it.
 */

/** The label a message is generated for: 0 = ham, 1 = spam. */
export type Label = 0 | 1

type Random = () => number
type Part = (r: Random) => string

const pick = <T>(r: Random, xs: readonly T[]): T => {
  const x = xs[Math.floor(r() * xs.length)]
  if (x === undefined) throw new Error('pick: empty list')
  return x
}
const int = (r: Random, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))
const digits = (r: Random, n: number): string => Array.from({ length: n }, () => int(r, 0, 9)).join('')
/** Picks one of each `[a|b|c]`, then fills `{slot}`s from `slots`; a slot is drawn afresh at each use. */
const fill = (r: Random, template: string, slots: Record<string, Part>): string =>
  template
    .replace(/\[([^\]]*\|[^\]]*)\]/g, (_, options: string) => pick(r, options.split('|')))
    .replace(/\{(\w+)\}/g, (_, name: string) => {
      const part = slots[name]
      if (part === undefined) throw new Error(`synthetic: no slot {${name}}`)
      return part(r)
    })

const FIRST = [
  'Ana',
  'Ben',
  'Chloe',
  'Dev',
  'Elif',
  'Femi',
  'Greta',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Luca',
  'Maya',
  'Nikhil',
  'Olga',
  'Pablo',
  'Rosa',
  'Sam',
  'Tariq',
  'Uma',
  'Viktor',
  'Wen',
  'Yusuf',
  'Zara',
]
const LAST = [
  'Abbott',
  'Brandt',
  'Castillo',
  'Dubois',
  'Eriksen',
  'Fong',
  'Haddad',
  'Ivanova',
  'Kowalski',
  'Mensah',
  'Novak',
  'Okafor',
  'Petrov',
  'Rahman',
  'Silva',
  'Tanaka',
]
const COMPANY = [
  'Harbor Lane',
  'Kestrel Bank',
  'Orchard Post',
  'Pinecrest Energy',
  'Quayside Books',
  'Redwing Air',
  'Saltmarsh Outfitters',
  'Tidewater Mobile',
  'Umber Pay',
  'Vantage Cloud',
  'Willow Pharmacy',
  'Zephyr Rail',
]
const PLACE = [
  'the cafe on Mill Street',
  'the Thai place',
  "Marco's",
  'the food hall',
  'the park by the river',
  'the usual spot',
  'the bakery near work',
]
const DAY = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'tomorrow', 'tonight', 'next week']
const MONTH = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
// things people buy, for the lines of itemised receipts
const ITEM = [
  'USB-C charging cable',
  'wireless mouse',
  'paperback novel',
  'ceramic mug',
  'running socks (3 pack)',
  'yoga mat',
  'LED desk lamp',
  'coffee beans 1 kg',
  'phone case',
  'kids rain boots',
  'steel water bottle',
  'garden hose 15 m',
  'family board game',
  'linen pillowcases',
  'vitamin D tablets',
  'printer ink, black',
  'bluetooth speaker',
  'cast iron pan',
  'dog chew toy',
  'hiking backpack',
  'face moisturiser',
  'A5 notebooks (2)',
  'AA batteries (8 pack)',
  'wool beanie',
]

// no I, O, 0 or 1, which printed references leave out as easy to misread
const REF_CHARS = [...'ABCDEFGHJKLMNPQRSTUVWXYZ23456789']

const slug = (company: string): string => company.toLowerCase().replace(/[^a-z]+/g, '')
const SLOTS: Record<string, Part> = {
  name: (r) => pick(r, FIRST),
  full: (r) => `${pick(r, FIRST)} ${pick(r, LAST)}`,
  company: (r) => pick(r, COMPANY),
  place: (r) => pick(r, PLACE),
  day: (r) => pick(r, DAY),
  month: (r) => pick(r, MONTH),
  date: (r) => `${pick(r, MONTH).slice(0, 3)} ${int(r, 1, 28)}`,
  time: (r) => `${int(r, 7, 11)}:${pick(r, ['00', '15', '30', '45'])}${pick(r, [' am', ' pm', ''])}`,
  amount: (r) => `${pick(r, ['$', '€', '£'])}${int(r, 4, 480)}.${digits(r, 2)}`,
  big: (r) => `${pick(r, ['$', '€', '£'])}${int(r, 2, 9)},${digits(r, 3)},000`,
  small: (r) => `${pick(r, ['$', '€', '£'])}${int(r, 1, 3)}.${pick(r, ['49', '99', '95'])}`,
  n: (r) => String(int(r, 2, 8)),
  order: (r) => `${pick(r, ['#', 'No. ', ''])}${digits(r, int(r, 6, 9))}`,
  code: (r) => digits(r, 6),
  card: (r) => digits(r, 4),
  item: (r) => pick(r, ITEM),
  // a booking or policy reference, letters and digits as airlines and insurers print them
  ref: (r) => Array.from({ length: 6 }, () => pick(r, REF_CHARS)).join(''),
  phone: (r) => `+1 ${digits(r, 3)}-${digits(r, 3)}-${digits(r, 4)}`,
  // a company's own host, as real notices link to
  link: (r) => `https://${slug(pick(r, COMPANY))}.com/${pick(r, ['account', 'orders', 'help', 'billing', 'track'])}`,
  // lookalike hosts and link shorteners, as phishing and spam use
  lure: (r) =>
    pick(r, [
      `http://${slug(pick(r, COMPANY))}-${pick(r, ['secure', 'verify', 'support', 'login'])}.${pick(r, ['top', 'xyz', 'info', 'click'])}/${digits(r, 5)}`,
      `https://${pick(r, ['bit', 'tiny', 'cutt'])}.${pick(r, ['ly', 'cc', 'io'])}/${digits(r, 3)}${pick(r, ['aX', 'qZ', 'kP'])}`,
      `http://${pick(r, ['best', 'win', 'top', 'mega'])}${pick(r, ['deals', 'prize', 'offer', 'rx'])}${int(r, 1, 99)}.${pick(r, ['biz', 'info', 'online'])}`,
    ]),
}

// Each template is one message; {slots} are drawn per use. Short and long ones in both labels.
const HAM: readonly string[] = [
  // personal
  'Are we still on for {day}? I can be at {place} by {time}.',
  'Running about ten minutes late, go ahead and grab a table.',
  'Thanks again for helping with the move, {name}. The couch finally fits!',
  'Can you pick up bread and some oat milk on your way home?',
  'Happy anniversary you two! Hope the trip is lovely. Send photos.',
  'Train was delayed, now getting in at {time}. No need to wait up.',
  'Congrats on the new job, {name}!! So proud of you. Celebrate {day}?',
  'Hey {name}, the kids want to know if Max can come over {day} after school.',
  "Just got home. Dinner was great, let's do it again soon.",
  'Hi {name},\n\nLovely to have the whole family together {day}. Dad loved the book you brought, he has already started it.\n\nWe are thinking of visiting in {month} if that works for you. Let me know which weekends are free.\n\nLove,\n{name}',
  "{name} - the photos from the weekend are in the shared album. My favourite is the one on the pier. Let me know if you want prints, I'm ordering some for Grandma anyway.",
  // business
  'Hi team, the retro moved to {day} at {time}. Same room.',
  'Where do I find the new sales dashboard? My old bookmark stopped working after the migration.',
  '{name}, can you review my pull request for the export job when you get a minute? No rush.',
  'Reminder: the office is closed {day} for the holiday. Deploys are frozen until Tuesday.',
  'Quick one: are the Q3 figures final, or should I wait before I send the deck to {full}?',
  "Notes from today's sync:\n- release branch is cut, fixes by {day}\n- {name} owns the on-call rota\n- budget review moved to {date}\nShout if I missed anything.",
  'Hi {name},\n\nThanks for the call earlier. As agreed, I will draft the proposal by {day} and share it with legal before it goes to the client.\n\nThe open questions are the support hours and the data retention terms. Could you check with your team?\n\nBest,\n{full}',
  'Welcome aboard, {name}! Your laptop will be at the front desk on {day}. IT will walk you through the setup at {time}.',
  'The staging environment will be down for maintenance {day} from {time} for about an hour.',
  // transactional
  'Your order {order} from {company} has shipped. Estimated delivery: {date}. You can follow it at {link}.',
  '{code} is your {company} verification code. It expires in 10 minutes. Never share it with anyone.',
  'Thanks for your purchase at {company}. Receipt: {amount} charged to the card ending {card}.',
  'Table for {n} booked: {day} at {time}. Reply CANCEL to cancel.',
  'Reminder: your appointment with Dr. {name} is on {date} at {time}. Please arrive 10 minutes early.',
  'Invoice {order} for {amount} is now available in your {company} account. It will be paid automatically on {date}; no action is needed.',
  'The password for your {company} account was changed on {date}. If this was you, you can ignore this email.',
  'Your {company} subscription renews on {date} for {amount}. You can change or cancel your plan in your account settings.',
  'The book you reserved is ready for pickup at the main library. We will hold it until {date}.',
  'Your {month} statement is ready. Log in to online banking to view it.',
  'Your flight to Lisbon on {date} is confirmed. Booking reference {code}. Check-in opens 24 hours before departure.',
  'Hi {name},\n\nThank you for your order with {company}. We have received your payment of {amount} and your items will ship within two business days.\n\nOrder number: {order}\nDelivery address: the one saved in your account\n\nTracking details follow by email when the box leaves our warehouse. Questions? Visit {link}.\n\nThe {company} team',
  'Your refund of {amount} for order {order} has been processed. It may take 5 to 10 business days to appear on your statement.',
  'Your parcel was delivered on {date} at {time} and left at the front door.',
  '[Your|Good news, your] {company} order {order} [is out for delivery|will arrive {day}|has been dispatched]. [Track it|See the details] in the app.',
  '[Payment received|We received your payment]: {amount} for invoice {order}. [Thank you for your business.|A receipt is attached to your account.]',
  'Your [electricity|water|phone|internet] bill for {month} is {amount}. It will be [debited on|collected on] {date}. [No action is needed.|Manage payments in your account.]',
  '[Reminder|Heads up]: your [dentist|GP|physio|eye test] visit is booked for [tomorrow|{day}] at {time}. [Reply Y to confirm.|Call us if you need to reschedule.]',
  'Your [hotel|rental car|train ticket] booking {code} for {date} is confirmed. [We look forward to seeing you.|Show this email at the desk.]',
  '[Sign-in|Login] code: {code}. [Enter it to finish signing in.|Use it within 5 minutes.] [If you did not ask for it, ignore this message.|We will never ask you for this code.]',
  'A new sign-in to your {company} account from [Firefox on Windows|Safari on iPhone|Chrome on Android] on {date}. [If it was you, you can ignore this.|Not you? Change your password in your account settings.]',
  'Your {company} [statement|bill|payslip] for {month} is [ready|now available]. [Log in to view it.|You can download it from your account.]',
  '[Your return was received|We got your return] for order {order}. [A refund of|We have refunded] {amount} [to your card ending {card}|to your original payment method].',
  '[Your prescription can be picked up|Your repeat prescription can be collected] from {company}. [Bring your ID.|Opening hours are on our site.]',
  'Could we push our [1:1|check-in|sync] to {day} at {time}? [Something came up.|I have a clash.]',
  '[Draft is in the shared folder|I put the draft in the team drive], {name}. [Comments welcome before {day}.|Could you take a look before the client call?]',
  'The [invoice|purchase order|contract] for [the new laptops|the venue|the design work] is attached. [Can you approve it?|Finance needs it signed by {day}.]',
  '[Build is green again|The deploy went out], thanks {name}. [I will watch the error rates this afternoon.|Rollback plan is in the ticket.]',
  '[Are you free for a call|Do you have ten minutes] [later today|this afternoon|{day}]? [Want to go over the budget.|Quick question about the roadmap.]',
  '[Thanks for dinner last night|Thanks for having us over]! [The kids loved it.|We should do it again soon.] [Next time is on us.|Say hi to {name}.]',
  '[Happy birthday|Happy birthday!!] [Hope you have a great day|Have a wonderful day], {name}. [See you {day}?|Cake on Saturday?]',
  '[I am outside|Here now], [grey car|by the main door|at the front]. [No rush.|Take your time.]',
  '[Your weekly digest|This week in the community]: [three new posts|a new release|photos from the meetup]. [Read it at {link}.|Open the app to see more.] [You can change how often you get these in your settings.|Unsubscribe in one click from your profile.]',
  // newsletters the reader signed up for
  'This week at the {company} blog: how we cut our build times in half, and a new release of the command-line tool. Read more at {link}. You get these posts because you follow the blog.',
  'Club news: the Saturday run starts at {time} from the park gates. New members welcome. Unsubscribe any time from your profile page.',
  '{company} monthly update\n\nNew this month: dark mode, faster search and a fix for the calendar export. Thanks to everyone who sent feedback.\n\nUpcoming: a community call on {date}.\n\nYou get this newsletter because you signed up at {link}. Manage your email preferences in your account.',
]

const SPAM: readonly string[] = [
  // phishing
  'Your {company} account is locked after suspicious activity. Confirm who you are within 24 hours at {lure} or lose access for good.',
  'We could not deliver your parcel. A customs fee of {small} is unpaid. Pay now to release it: {lure}',
  'Your mailbox password expires today. Keep your current password here: {lure}',
  'Hi {name}, quick favour: can you get {n} gift cards for a customer today? I will reimburse you. Text me the codes once you have them. {full}, CEO',
  'Unusual sign-in detected on your {company} account. If this was not you, confirm your details immediately: {lure}',
  'Your payment of {amount} did not go through. Enter new billing details to keep your service running: {lure}',
  'A tax rebate of {amount} is waiting for you. Fill in the claim form within 48 hours: {lure}',
  'Dear customer,\n\nWe detected a problem with your {company} account and have temporarily limited access. To restore full access, re-enter your full card details, including the three digits on the back.\n\nClick here to verify: {lure}\n\nAccounts not verified by tomorrow are closed.\n\n{company} Security Team',
  'Your order {order} is on hold. Confirm your address and pay the redelivery fee of {small} at {lure}',
  'Your {company} invoice {order} for {amount} is attached. Open the document to view it and enable editing: {lure}',
  '[URGENT|Action required]: your {company} [account|card|mailbox] [will be closed|has been locked|is on hold]. [Confirm your details|Verify now|Log in] at {lure} [within 24 hours|today] to avoid [suspension|losing your data].',
  '[Your parcel|Your package|Delivery {order}] [could not be delivered|is waiting at our depot]. [A small fee of|Pay] {small} [is needed|to reschedule]: {lure}',
  '[We noticed|There was] a [suspicious|failed] payment of {amount} on your card. [If this was not you, cancel it here|Dispute it now]: {lure}',
  '[Your password expires|Your storage is full|Your subscription has expired] [today|in 24 hours]. [Renew|Update] [now|immediately] at {lure} [to keep your files|to keep access].',
  '[Hi|Hello] {name}, [I am in a meeting|I am travelling] and [need a favour|need your help]. [Please buy|Can you get] {n} [gift cards|Apple cards|Steam cards] [and photo the backs for me|and text me the numbers]. [Keep this between us.|I will explain later.] {full}',
  '[Your invoice {order} is overdue|Final reminder: invoice {order}]. [Download it here|View the payment details here]: {lure} [Pay today to avoid a late fee.|Failure to pay will be sent to collections.]',
  '[Refund notice|You have a pending refund]: {amount} [from {company}|from the tax office]. [Claim it|Enter your bank details] at {lure}.',
  // scams
  'CONGRATULATIONS! Your email address has won {big} in the International Email Lottery. To release the prize, email the claims office your name, home address and account number.',
  'Dear friend, I am {full}, a lawyer representing a late client who left {big} with no heir. I propose we share the funds. Reply with your phone number for details.',
  'Earn {amount} a day from your kitchen table. Zero experience required. Reply YES to begin!',
  'Turn {amount} into {big} with our AI trading bot. Guaranteed returns, withdraw any time. Join now: {lure}',
  'WARNING: your computer is infected with 5 viruses. Call support now at {phone} to avoid data loss.',
  'Hello {name}, you have been selected for a secret shopper job. You keep {amount} of every payment you forward. Reply to get started.',
  'Dear Beneficiary,\n\nThis is to inform you that your compensation payment of {big} has been approved by the United Nations. To receive it, send a processing fee of {amount} by Western Union with a copy of your passport and your home address.\n\nYours faithfully,\n{full}\nDirector of Payments',
  'Hi, I came across your profile and would love to be friends. I am an engineer on an oil platform and I need a little help with a bank transfer. Can you write to me on WhatsApp?',
  'You have an unclaimed crypto wallet balance of {big}. Pay a small gas fee of {small} to withdraw: {lure}',
  '[You have won|Congratulations, you won] [a new iPhone|a {big} prize|a luxury holiday]! [Claim it now|Pay only the shipping of {small}] at {lure}',
  '[Make|Earn] {amount} [a day|per hour] [from home|on your phone] [with no experience|in your spare time]. [Limited places!|Start today!] {lure}',
  '[Double your money|Guaranteed 300% returns] [in one week|in 48 hours] with [our crypto fund|this trading app]. [Minimum deposit|Start with just] {amount}: {lure}',
  '[Dear friend|Greetings], [I need your help|I have a business proposal] to [move|transfer] {big} [out of the country|to a safe account]. [You will get 40%.|Your share is 30%.] [Reply with your bank details.|Send me your phone number.]',
  // marketing nobody asked for
  'Discount medication shipped to your door, no doctor visit required! Up to 80% off: {lure}',
  'Luxury watches at replica prices. Free worldwide shipping. Visit {lure} today only.',
  'Hello, I found your website and it is not on the first page of Google. We can fix that for {amount} per month. Reply for a free audit.',
  'Claim your 200% welcome bonus and 50 free spins! Play now at {lure}',
  'Final notice: your vehicle warranty is about to expire. Call {phone} now to keep your coverage.',
  'You are pre-approved for a {big} loan, bad credit OK. Apply in 2 minutes: {lure}',
  'Lose 10 kg in two weeks without diet or exercise! Doctors hate this trick: {lure}',
  'LAST CHANCE!!! {n} designer handbags for the price of one. Offer ends tonight: {lure}',
  'Dear {name},\n\nDo you want to grow your business? Our marketing agency sends your offer to 2 million verified emails for only {amount}.\n\nThousands of happy customers. Results guaranteed or your money back.\n\nReply now and get a 50% discount on your first campaign.\n\nTo stop receiving these messages reply REMOVE.',
  'Hot singles in your area want to meet you tonight. Sign up free: {lure}',
  'Get a university degree in 10 days, no exams, fully verifiable. Call {phone}.',
  '[FLASH SALE|Today only|Last chance]: [designer sunglasses|branded watches|smart watches] [90% off|from {small}]! [Shop now|Order now]: {lure}',
  '[Cheap|Discount|Low-cost] [pills|meds|supplements] [without a prescription|shipped discreetly]. [Order today|Buy now] at {lure}',
  '[Boost your website|Get more customers] with [our SEO service|guaranteed first-page rankings]. [Only|Just] {amount} a month. [Reply YES for a free report.|Call {phone}.]',
  '[Claim your|Get a] [free|bonus] {amount} [casino credit|betting voucher] [now|today]. [No deposit needed!|Play at] {lure}',
]

// Long notices, as companies and institutions really send them: greetings, itemised lines,
// references, reassurance and sign-offs. Most ham ones have a lure in the same layout and
// vocabulary, so length and formatting say little about the label and the ask has to.
const LONG_HAM: readonly string[] = [
  // receipts and orders
  'Thanks for shopping with {company}.\n\nOrder {order}, placed {date}\n1 x {item} - {amount}\n2 x {item} - {amount}\n1 x {item} - {amount}\n\nSubtotal: {amount}\nShipping: [free|{small}]\nTotal: {amount}, card ending {card}\n\nWe will write again once it ships; the receipt is under Orders at {link}.',
  'Hello {name},\n\nGood news: we have your order and it is being packed.\n\n- {item} ({n} units) - {amount}\n- {item} - {amount}\n- Gift wrap - {small}\n\nTotal: {amount} [(tax included)|incl. VAT]\nDelivery: standard, expected by {date}\n\nNeed a change? You can edit the address or items for two hours at {link}.\n\n{company}',
  // statements, bills, payslips
  'Dear customer,\n\nYour {company} statement for {month} is now in online banking, under Documents.\n\nOpening balance: {amount}\nMoney in: {amount}\nMoney out: {amount}\nClosing balance: {amount}\n\nNo action is required on your part. Should a transaction look unfamiliar, use the help section of the app or the contact details printed on your card.\n\nFor your security, our staff do not request PINs or full passwords by email.',
  'Hello {name},\n\nYour [electricity|gas|broadband|water] bill for {month} is ready to view at {link}.\n\nAmount: {amount}\nBilling period: {n} weeks to {date}\nPayment: by Direct Debit on {date}\n\nYour usage was [a little lower than|slightly higher than|about the same as] the same month last year. You do not need to do anything; the payment is taken automatically.\n\nThank you for being a {company} customer.',
  'Hi {name},\n\nYour payslip for {month} has been published in the {company} HR portal.\n\nPay date: {date}\nNet pay: {amount}\nTax code and deductions: unchanged from last month\n\nIf any figure looks wrong, raise a ticket with payroll through the portal before the end of the month so it can be put right in the next run.\n\nPayroll Team',
  // bookings and travel
  'Dear {full},\n\nThank you for booking with {company}. Your stay is confirmed.\n\nHotel: [The Granary|Harbour View|Castle Mews]\nCheck-in: {date} from 3 pm\nCheck-out: after {n} nights, by 11 am\nRoom: [double|twin|family suite], breakfast included\nConfirmation number: {ref}\n\nThe balance of {amount} is paid at the property. Free cancellation is available until two days before arrival from Manage Booking at {link}.',
  'Hello {name},\n\nYour flight is confirmed. Booking reference: {ref}\n\nOutbound: {date}, departs {time}, flight [RW|TS|KX] {n}{n}{n}\nRoute: [Manchester|Dublin|Toronto] to [Lisbon|Porto|Reykjavik]\nPassengers: {n}\nBags: one cabin bag each[| and one checked bag]\n\nOnline check-in opens a day before departure in the app. Have your passport details ready and allow two hours at the airport before you fly.\n\nHave a good trip,\n{company}',
  'Your e-tickets are attached\n\n{company} [Off-Peak Return|Advance Single|Anytime Day Return]\n{date}, leaving [Central|Northgate|Riverside] at {time}\nCoach [C|D|F], seat {n}{n}\nReference: {ref}\nPaid: {amount}\n\nShow the QR code on your phone or a printout when the conductor asks. If the train runs more than 15 minutes late, you may be able to claim some of the fare back through our website.',
  'Hi {name},\n\nYou are booked in!\n\n[Osteria Lume|The Copper Pot|Sato Kitchen]\n{day} at {time}, party of {n}\nBooking ref: {ref}\n\nWe hold tables for 15 minutes past the booking time. If plans change, you can move or cancel the reservation in the app at no charge. Let us know about allergies when you arrive.\n\nSee you soon!',
  'Dear {full},\n\nYour car hire with {company} is confirmed.\n\nPick-up: [airport desk|city centre office], {date} at {time}\nReturn: same location, {n} days later\nVehicle: [compact|estate|SUV] or similar, automatic\nReservation: {ref}\n\nBring your driving licence and the credit card used to book. A refundable deposit of {amount} is held on it until the car is back. Manage the booking at {link}.',
  // subscriptions
  'Hello {name},\n\nA reminder that your yearly {company} [Premium|Plus|Family] plan renews automatically on {date}.\n\nBilled: once a year\nPrice: {amount}\nPayment method: card ending {card}\n\nIf you are happy to continue, you do not need to do anything. To switch to monthly billing or turn off auto-renewal, visit Account settings at {link} before that date.\n\nThanks for staying with us.',
  'Hi {name},\n\nSorry to see you go. This confirms that your {company} membership has been cancelled, as you asked.\n\nYou keep access to everything until {date}, when the paid period ends. No further payments will be taken from the card ending {card}.\n\nWe keep your saved lists for {n} months in case you come back; rejoin any time at {link}.\n\nBest wishes,\nThe {company} team',
  'Dear customer,\n\nWe are writing about a change to the price of your {company} [broadband|mobile|streaming] plan.\n\nFrom {date}, your monthly price goes from {amount} to {amount}. It is our first rise in two years.\n\nIf you do not want to accept the new price, you can leave without an early exit fee within 30 days of this letter. Your rights, and our other plans, are explained at {link}.\n\nYours sincerely,\nCustomer Services',
  // security
  'New sign-in to your {company} account\n\nWe noticed a sign-in from a device we had not seen before.\n\nDevice: [Chrome on Windows|Safari on a Mac|the Android app|the iPad app]\nLocation: near [Leeds|Lyon|Porto|Denver]\nTime: {date}, {time}\n\nIf this was you, there is nothing more to do. If you do not recognise it, open the app, go to Security, sign that device out and choose a new password. We never ask for passwords or codes by email or phone.',
  'Hello {name},\n\nThe password for your {company} account was changed on {date} at {time}.\n\nIf you made this change, you can safely disregard this email.\n\nIf you did not, type {link} into your browser yourself rather than following links in emails, use Forgot password to set a new one, and review your recent activity. Our support staff will never ask you to read out a password or a sign-in code.\n\n{company} Account Protection',
  'Two-step verification is now on\n\nHi {name}, you turned on two-step verification for your {company} account. From now on we will ask for a code from your authenticator app whenever you log in from an unfamiliar device.\n\nWe also created {n} backup codes. Keep them somewhere safe and offline; each one works only once.\n\nDid not make this change? Sign in through the app, switch it off under Settings, then get in touch with support from the Help page.',
  // deliveries and returns
  'Your parcel is on the move\n\nOrder {order} from {company}\n\n{date}, {time} - Collected from the sender\n{date} - Arrived at the [regional hub|sorting centre]\n{date} - Out for delivery\n\nExpected today before [1 pm|3 pm|6 pm]. If nobody is in, the driver will leave it [with a neighbour|in a safe place|at the nearest pickup point] and send you a photo. Follow the van live at {link}.',
  'Hi {name},\n\nThe item you sent back from order {order} has arrived and our returns team has checked it.\n\nReturned: {item}\nRefund: {amount}\nRefunded to: card ending {card}\n\nThe money is on its way. Depending on your bank, it can take a few working days to show on your statement. Nothing else is needed from you.',
  // appointments and letters
  'Dear {full},\n\nThis is a reminder of your appointment at [Parkside Dental Practice|Elm Road Surgery|the Eastgate eye clinic].\n\nWhen: {day}, {date} at {time}\nWith: [Dr {name}|the practice nurse|our hygienist]\n\nPlease bring a list of any medicines you take. If you cannot come, let us know at least 24 hours ahead so the slot can go to someone else; you can rebook online at {link}.\n\nKind regards,\nReception',
  'Hi {name},\n\nYour car is due its yearly [service|MOT|inspection] and we have booked it in as requested.\n\nDrop-off: {date} at {time}\nEstimated price: {amount}, plus any parts we agree with you first\nCourtesy car: [reserved|not needed]\n\nWe will ring before doing any extra work, so nothing is charged without your say-so. Please leave the locking wheel nut key in the glovebox.\n\n[Millbrook Garage|Fenwick Motors|Tally Road Autos]',
  "[Oakfield Primary|St Anne's School|Brook Lane Academy] newsletter\n\nDear parents and carers,\n\nWhat a busy half term! Year 4 visited the museum, and the choir sang at the care home on {day}.\n\nDates for your diary:\n- {date}: photo day, full uniform please\n- {date}: parents' evening, book a slot in the school app\n- {date}: school closes at 1:30 pm\n\nThank you for your support.\n\nMrs {name}, Head Teacher",
  "Dear {full},\n\nYour [home|car|travel|pet] insurance with {company} is due for renewal on {date}.\n\nLast year you paid: {amount}\nThis year's premium: {amount}\nPolicy number: {ref}\n\nThe policy renews automatically and the premium is collected the same way as before. Please check the details in your renewal documents are still right; you can update them by logging in at {link}. You are always free to shop around.",
  // from vendors the reader uses
  'Incident resolved: [delayed notifications|login errors|slow dashboards]\n\nBetween {time} and {time} UTC on {date}, some {company} customers saw [errors when signing in|notifications arrive late|pages load slowly]. The cause was a faulty configuration change, which we have rolled back.\n\nNo data was lost and no action is needed on your side. We are adding a check to stop a repeat. A full write-up will follow on our status page at {link}.\n\n{company} Engineering',
  '{company} [2.4|3.1|5.0] is out\n\nWhat changed in this release:\n\n- Faster sync for large folders\n- Pin favourite projects to the sidebar\n- Fixed exports failing on long file names\n- Older versions of macOS are no longer supported\n\nThe app updates itself the next time you restart it, so there is nothing to install by hand. Full notes and the list of known issues are at {link}.\n\nThanks for using {company}!',
]

const LONG_SPAM: readonly string[] = [
  // purchases the reader did not make
  'Thank you for your order!\n\nOrder {order}, placed {date}\n1 x {item} - {amount}\n1 x {item} - {amount}\nExpress shipping - {small}\n\nTotal charged: {amount}\n\nIt ships within 24 hours. Not your order? Cancel it and claim a refund at {lure} before dispatch.\n\n{company} Order Desk',
  'Hello {name},\n\nYour {company} purchase has been approved.\n\n{item} ({n} units)   {amount}\nExtended warranty   {amount}\nTotal   {amount}\nPayment: card ending {card}\n\nDid not authorise this payment? Call our billing department on {phone} within 24 hours. An agent will reverse the charge once you confirm your card number and the security code on the back.',
  'Dear customer,\n\nYour [antivirus|PC protection|device security] subscription has been renewed for another year.\n\nInvoice: {order}\nProduct: Total Protection, {n} devices\nAmount: {amount}\nPayment date: {date}\n\nThe amount will appear on your bank statement within 48 hours. To cancel and get a refund, ring our help desk on {phone}. Refund requests are only accepted on the day of this notice.\n\nRegards,\nBilling Support',
  // statements and bills
  'Dear customer,\n\nYour {company} e-statement for {month} could not be delivered because the information on your profile is out of date.\n\nStatement period: {month}\nAvailable balance: {amount}\nStatus: ON HOLD\n\nTo view the statement and keep online banking active, update your personal and card details on the secure form: {lure}\n\nProfiles not updated within 48 hours will be restricted for your protection.\n\nOnline Banking Team',
  'Hi {name},\n\nWe tried to collect your [electricity|mobile|broadband] bill of {amount} for {month}, but your bank declined the payment.\n\nAccount number: {order}\nAmount due: {amount}\nLate charge from {date}: {small}\n\nTo avoid the charge and any break in your service, update your payment details today at {lure}.\n\n{company} Billing',
  // refunds
  'Tax refund notification\n\nOur records show that you overpaid tax in the last financial year and are owed a rebate of {amount}.\n\nReference: {ref}\nStatus: awaiting your confirmation\n\nTo receive the money, complete the online form with the debit card it should be paid to, including its expiry date and the three-digit code: {lure}\n\nUnclaimed rebates lapse after 5 days.',
  'Hello {name},\n\nWe owe you money. Because of a billing error, you were charged twice for your {company} plan in {month}.\n\nRefund amount: {amount}\nRefund ID: {ref}\n\nOur system could not send the refund to the card on file. Enter the number, expiry date and CVV of the card to credit within 72 hours: {lure}\n\nCustomer Refunds',
  // security
  'Security alert\n\nWe blocked a sign-in attempt to your {company} account.\n\nDevice: [Windows PC|Android phone|unknown browser]\nLocation: [Lagos|Minsk|Jakarta|Sao Paulo]\nTime: {date}, {time}\n\nIf this was not you, your account may be compromised. Secure it now by signing in with your current password at {lure} and confirming your recovery details.\n\nIf we do not hear from you within 12 hours, the account will be suspended to protect you.\n\n{company} Trust and Safety',
  'Dear {name},\n\nYour email password is set to expire on {date}. After that you will stop receiving new mail and [{n} held messages|your archived folders] may be removed from the server.\n\nTo keep using the same password, sign in once through the link below to confirm the account:\n\n{lure}\n\nPlease do not ignore this request.\n\nIT Helpdesk',
  'Hi {name},\n\nThis is the {company} security department. Someone just tried to add a new device to your account and we stopped it.\n\nTo prove you are the real owner, we have texted a six-digit code to your phone. Reply to this email with that code, your full name and the last four digits of your card within the next hour.\n\nIf we cannot confirm your identity, your account will be frozen and any pending payments cancelled.',
  // renewals, deliveries, bookings
  'Hello,\n\nThank you for renewing your {company} [Prime|Premium|Ultra] membership. The annual fee has been taken from your account.\n\nMember ID: {ref}\nRenewal date: {date}\nAmount charged: {amount}\n\nIf you did not mean to renew, you have until the end of today to cancel and get your money back. Call the cancellation line on {phone} and keep your online banking open so our agent can process the refund straight away.',
  'Hello {name},\n\nWe tried to deliver your parcel today but nobody was home, and it is now at your local depot.\n\nTracking number: {order}\nSender: {company}\n\nTo arrange a new delivery, pay the redelivery charge of {small} at {lure} and pick a day that suits you.\n\nParcels that are not rebooked within 3 days are returned to the sender.\n\nDelivery Services',
  'Dear guest,\n\nThank you for your reservation at [The Granary|Harbour View|Castle Mews] through {company}.\n\nCheck-in: {date}\nNights: {n}\nReservation: {ref}\n\nThe property could not authorise the card you used. To keep your room, confirm your card details within 24 hours using the hotel secure link: {lure}\n\nOtherwise the booking is cancelled and your deposit of {amount} is kept.',
  // invoices and payroll
  'Dear {name},\n\nPlease note that {company} has changed banks. All open invoices should now be paid to our new account; details are in the attached letter.\n\nOpen invoices:\n- {order}: {amount}\n- {order}: {amount}\n\nKindly arrange the transfer by {day} and send the remittance once done. Our old account is no longer monitored. Please reply here with any questions rather than phoning.\n\n{full}\nAccounts Receivable',
  'Hi,\n\nPlease find invoice {order} for the work completed in {month}.\n\nAmount due: {amount}\nDue date: {date}\nTerms: 7 days\n\nThe invoice is stored in our secure document portal. To view and download it, sign in with your work email and password: {lure}\n\nLet me know once payment is scheduled so I can update our records.\n\nKind regards,\n{full}\n{company}',
  'Hi {name},\n\nThe {month} payroll run closes early this month, and our records show your direct deposit details failed verification.\n\nEmployee ID: {code}\nNet pay due: {amount}\nPay date: {date}\n\nTo make sure your salary arrives on time, log in to the staff portal with your work email and password and re-enter your bank account details: {lure}\n\nDo this by {day}.\n\nPayroll Department',
  // prizes and advance fees
  'WINNER NOTIFICATION\n\nDear {name},\n\nWe are happy to announce that your email was picked in our annual customer draw. You have won {big} and a [new car|holiday for two|gold watch].\n\nBatch number: {ref}\nWinning number: {code}\n\nTo start the claim, send us your name, home address, date of birth and phone number by reply. A handling fee of {amount} is due before the funds are transferred.\n\nKeep this win confidential until it is paid out.\n\n{full}, Claims Agent',
  'Good day,\n\nI am {full}, a private banker. A customer of our bank who shares your surname died in an accident some years ago and left a deposit of {big}. No relative has come forward, and the state will seize the funds unless a next of kin claims them.\n\nI can present you as the beneficiary. We will share the money equally.\n\nPlease reply with your full name, occupation and private phone number so I can tell you more.',
  'Attention: Beneficiary\n\nA diplomatic courier has arrived with a consignment box registered in your name containing {big}. It is being held at the airport until the delivery charges are paid.\n\nConsignment number: {ref}\nClearance fee: {amount}\n\nContact the delivery agent, {full}, on {phone}. Send the fee by bank transfer or gift cards and the courier will bring the box to your door within 48 hours.',
  // investments
  '{name}, I wanted to share something with you.\n\nMy cousin showed me a trading platform that uses AI to buy and sell Bitcoin automatically. I started with {amount} in {month} and now I withdraw about {amount} every week.\n\nPlaces are limited each month. You open an account, make a first deposit, and your account manager does the rest.\n\nRegister here before it closes: {lure}\n\nYou will thank me later!',
  'INVESTOR ALERT\n\nThis small mining company is about to announce a major lithium discovery. Insiders are buying now, before the news breaks.\n\nSymbol: [KRLX|VNTQ|PMGO]\nCurrent price: {small}\nTarget in 30 days: {amount}\n\nEarly shareholders could make ten times their money. Call your broker today or open an account with our partners at {lure}.\n\nThis is not investment advice. We were paid to send this message.',
  // marketing, loans and jobs nobody asked for
  'Hi {name},\n\nOUR BIGGEST SALE EVER STARTS NOW!\n\n- [Wireless earbuds|Robot vacuums|Air fryers] from {small}\n- 70% off designer [sneakers|handbags|sunglasses]\n- Free gift with every order over {amount}\n\nThese prices last only 6 hours and stock is running out fast. Thousands of customers have already ordered.\n\nShop the sale: {lure}\n\nYou got this email because you are on our list. To unsubscribe, reply STOP.',
  'Dear {name},\n\nGood news: you are pre-qualified for a personal loan of up to {big}, even with a low credit score.\n\n- Money in your account within 1 hour\n- Low monthly payments from {amount}\n\nTo release the funds we only need a one-time insurance deposit of {amount}. Reply with your bank name and account number, or apply at {lure}.\n\nOffer valid until {date}.',
  'Hello {name},\n\nI am a recruiter for {company}. Your CV was recommended to us for a remote part-time position.\n\n- Work 1 to 2 hours a day from your phone\n- Daily pay of {amount} to {amount}\n- No experience needed, training provided\n\nThe job involves rating products online to boost sales. To get started, send me your WhatsApp number and full name, and I will pass you to your trainer.\n\nBest regards,\n{full}',
]

// Notices composed from parts. Both labels draw the same event (an order, a charge, a
// sign-in, a delivery, a renewal), so the label rests on what follows it: a real notice informs and
// points to the company's own app or site; a lure asks for credentials, card details or a fee, by a
// deadline, through a lookalike link or a phone number.
const EVENT: readonly string[] = [
  '[Your|The] {company} order {order} [has shipped|is on its way|was delivered on {date}|is delayed by a day|has been split into two parcels].',
  '[We received|We have processed|Thank you for] [a|your] payment of {amount} [on {date}|for invoice {order}|to {company}].',
  '[A new device|A new browser|Someone using Chrome on Windows|An iPhone] signed in to your {company} account [on {date}|at {time}|today].',
  '[Invoice|Bill|Statement|Credit note] {order} for {amount} [is ready|was issued on {date}|is due on {date}|is attached].',
  'Your {company} [subscription|membership|plan|trial] [renews|ends|changes] on {date}[| for {amount}].',
  '[Your package|Parcel {order}|A delivery for you|Your {company} parcel] [arrives {day}|is at the local depot|could not be left at the door today|is with the courier].',
  'The [password|email address|phone number|recovery address] of your {company} account was [changed|updated] on {date}.',
  '[Your card ending {card}|The card ending {card}|Your account] was [charged|debited] {amount} [at|by] {company} on {date}.',
  'Your [booking|reservation|ticket] {code} with {company} for {date} [is confirmed|has changed|was cancelled|needs a seat choice].',
  'Your {company} [storage|mailbox] is [almost full|at its limit] this month.',
  'Your {company} [account balance|data allowance] is [running low|nearly used up] this month.',
  '[Your|A] refund of {amount} for order {order} [is on its way|was approved|has been issued].',
  'Your {company} [tax|annual|quarterly] [statement|summary|document] for {month} is [ready|available].',
]
const HAM_DETAIL: readonly string[] = [
  'Order number: {order}. Total: {amount}.',
  'Reference: {code}. Date: {date}.',
  '{n} items, delivered to the address saved in your account.',
  'Amount: {amount}. Paid with the card ending {card}.',
  'Booking reference {code}, {n} guests, {day} at {time}.',
  'Previous balance {amount}, paid in full on {date}.',
]
const HAM_ASK: readonly string[] = [
  '[No action is needed.|Nothing else is required from you.|You do not need to do anything.]',
  '[You can see the details|The details are] in the {company} app[ under Orders| under Activity|].',
  'If this was you, [you can ignore this message|there is nothing else to do].',
  'If it was not you, open the {company} app and change your password from Settings[.| yourself; we will never ask for it.]',
  '[Questions?|Need help?] [Reply to this email|Visit our help centre at {link}|Ring us on the phone number printed on your card|Call us on {phone}, 8 am to 8 pm].',
  '[Track it|See the order|View your receipt] at {link}.',
  'We will [send another update|let you know] when it [moves|is out for delivery|is done].',
  '[Your receipt is attached.|A PDF copy is attached for your records.|Keep this email for your records.]',
  '[It will be paid automatically|The payment will be collected] from your saved card on {date}.',
  'You can [change or cancel|manage] your plan in your account settings at any time.',
]
const SPAM_ASK: readonly string[] = [
  '[Verify|Confirm|Update|Validate] your [account|payment details|identity|card] [now|today|immediately] at {lure}',
  'To [avoid suspension|keep your account open|release the parcel|receive your refund|cancel the charge], [enter|re-enter|confirm] your [card number and CVV|login and password|online banking details|date of birth and card PIN] at {lure}',
  '[Settle|Cover] the [outstanding|redelivery|verification|import|release] charge of {small} [here|now|today]: {lure}',
  'Open the [secure document|attached form|shared invoice] and [sign in with your email password|enable editing] to [view it|confirm]: {lure}',
  'Reply with your [full name, date of birth and card number|account number and PIN|password and the code we just sent] to [confirm|cancel] this request.',
  'If you did not [make this|authorise this|request this], call our fraud team [immediately|now] on {phone} and [have your card and PIN ready|read us the code we text you].',
  '[Click|Tap] [here|the link below] to [restore access|unlock your account|claim it|stop the payment]: {lure}',
]
const SPAM_THREAT: readonly string[] = [
  '[If you do not act|Unless you confirm] [within 24 hours|by tonight|within 48 hours], [we suspend the account|your account is closed|the parcel goes back to the sender|a late fee of {small} is added].',
  'This [link|request|offer] expires in [2|6|12|24] hours.',
  '[Accounts|Cards|Mailboxes] not verified [today|within 24 hours] are [closed|deleted|locked] [without further notice|permanently].',
  '[Act now|Do not ignore this message|This is your final notice].',
]
const NOTICE_FOOTER: readonly string[] = [
  'You are receiving this [email|message] because you have a {company} account.',
  'This is an automated message[.|; replies are not monitored.]',
  '(c) {company}. All rights reserved.',
  '{company} Customer [Care|Service|Support]',
]
// Work mail around money and access: real requests from colleagues and the fraud that imitates them.
const WORK_HAM: readonly string[] = [
  '[Hi {name}, the|The] [invoice|quote|purchase order] from {company} [is in the shared folder|is attached|came in this morning]. [Could you approve it in the finance tool?|Please check the amounts before I pay it.|It matches the contract, so I will pay it {day}.]',
  '[Reminder|Heads up]: expense reports for {month} are due {day}. [Submit them in the usual tool.|Receipts over {amount} need a scan.]',
  '{name}, I [added|invited] you to the [{company} vendor portal|project board|shared calendar]. [You should have an email from them.|Let me know if the invite does not arrive.]',
  '[IT here:|From IT:] the VPN [certificate|client] [will be updated|is being replaced] {day} at {time}. [You will be asked to sign in again on the usual page.|Nothing to do on your side.]',
  'The [payroll|benefits|pension] [summary|statement] for {month} is [on the HR portal|in Workday] [as usual|now]. [Ping me if anything looks off.|Questions to {name} in HR.]',
  '[Can you|Could you] [send me|share] the [slides|numbers|contract draft] [before|ahead of] the {company} [call|meeting] {day}? [Thanks!|No rush before lunch.]',
]
const WORK_SPAM: readonly string[] = [
  '[Hi|Hello] {name}, [our bank details have changed|we moved to a new bank]. [Please pay|Kindly settle] invoice {order} ({amount}) to the new account [below|in the attached letter] [today|before {day}] and keep this confidential. {full}, Accounts',
  '{name}, I need you to [process|make] an urgent wire transfer of {big} [for an acquisition|to a supplier] [today|before the bank closes]. [Do not discuss it with anyone yet.|I am in meetings, email only.] {full}, CEO',
  '[IT Service Desk|Microsoft 365 Admin|Mail Administrator]: [your mailbox has|you have] {n} [held messages|pending emails]. [Release them|Sign in to review them] at {lure} [before they are deleted|within 24 hours].',
  '[HR|Payroll] [notice|update]: [your salary adjustment|the new bonus scheme] [document|letter] is ready. [Sign in with your work email and password|Confirm your bank details] at {lure} to [view it|receive it].',
  'You have received a [secure|protected] [fax|document|voicemail] from {company}. Open it at {lure} [with your email login|within 24 hours].',
]
const GREETING: readonly string[] = ['Hi {name},', 'Hello {name},', 'Dear customer,', 'Dear {full},', 'Hello,', 'Dear member,']

const composed = (r: Random, parts: ReadonlyArray<readonly string[] | false>): string => {
  const joint = r() < 0.5 ? '\n\n' : ' '
  return parts.flatMap((p) => (p === false ? [] : [fill(r, pick(r, p), SLOTS)])).join(joint)
}

/** A notice of `label`: the same events for both labels, told apart by the ask. */
function notice(label: Label, r: Random): string {
  if (r() < 0.25) return fill(r, pick(r, label === 1 ? WORK_SPAM : WORK_HAM), SLOTS)
  const greeting = r() < 0.5 && GREETING
  const footer = r() < 0.4 && NOTICE_FOOTER
  if (label === 0) return composed(r, [greeting, EVENT, r() < 0.5 && HAM_DETAIL, HAM_ASK, r() < 0.3 && HAM_ASK, footer])
  return composed(r, [greeting, EVENT, SPAM_ASK, r() < 0.6 && SPAM_THREAT, footer])
}

/** Share of generated messages that are composed notices rather than whole templates. */
const NOTICE_SHARE = 0.4

// Openings and sign-offs shared by both labels, so neither carries the label.
const OPENINGS: readonly string[] = ['Hi {name},\n\n', 'Hello,\n\n', 'Dear {name},\n\n', 'Hey {name} - ', 'Good morning,\n\n']
const CLOSINGS: readonly string[] = [
  '\n\nThanks,\n{name}',
  '\n\nBest regards,\n{full}',
  '\n\n- {company}',
  '\n\nCheers',
  '\n\nSent from my phone',
]

/** The whole templates of each label: short ones, and the long notices. */
const WHOLE: Record<Label, { short: readonly string[]; long: readonly string[] }> = {
  0: { short: HAM, long: LONG_HAM },
  1: { short: SPAM, long: LONG_SPAM },
}
const wholeOf = (label: Label): string[] => [...WHOLE[label].short, ...WHOLE[label].long]

/** How many templates each label has (for the docs and tests). */
export const TEMPLATE_COUNT = { ham: wholeOf(0).length, spam: wholeOf(1).length }

/** Share of whole templates drawn from the long notices of their label (the generated validation set's). */
export const LONG_SHARE = 0.3

/**
 * One generated message of `label`, drawn with `random`: two in five are composed notices; of the
 * other (whole templates, `longShare` of them long notices), a third get an opening and a third a
 * sign-off. The draws do not depend on `longShare`, so a share only changes which list is read.
 */
export function syntheticMessage(label: Label, random: Random, longShare = LONG_SHARE): string {
  if (random() < NOTICE_SHARE) return notice(label, random)
  const { short, long } = WHOLE[label]
  const body = fill(random, pick(random, random() < longShare ? long : short), SLOTS)
  const opening = random() < 1 / 3 ? fill(random, pick(random, OPENINGS), SLOTS) : ''
  const closing = random() < 1 / 3 ? fill(random, pick(random, CLOSINGS), SLOTS) : ''
  return `${opening}${body}${closing}`
}

/** Every template of both labels, filled once with `random` (for overlap checks). */
export function everyTemplate(random: Random): Array<{ text: string; label: Label }> {
  return [
    ...wholeOf(0).map((t) => ({ text: fill(random, t, SLOTS), label: 0 as const })),
    ...wholeOf(1).map((t) => ({ text: fill(random, t, SLOTS), label: 1 as const })),
  ]
}

/** Every part of the composed notices, filled once with `random` (for overlap checks). */
export const everyNoticePart = (random: Random): string[] =>
  [EVENT, HAM_DETAIL, HAM_ASK, SPAM_ASK, SPAM_THREAT, NOTICE_FOOTER, WORK_HAM, WORK_SPAM, GREETING]
    .flat()
    .map((t) => fill(random, t, SLOTS))

/** Every opening and sign-off, filled once with `random`. */
export const everyFrame = (random: Random): string[] => [...OPENINGS, ...CLOSINGS].map((t) => fill(random, t, SLOTS))
