// The scanner's own decision, for when the server cannot be asked (or as the fallback of a
// failed request): the same checks, in the same order and with the same codes, as the
// redemption service (qamqor/meals/services/redeem.py), on what the terminal downloaded.
import { TokenError, verifyToken } from "./cwt.js";

// As the server: a terminal's clock may run a little ahead of the token issuer's.
const CLOCK_SKEW_S = 120;

// "2026-11-20" in the school's time zone (the server counts meals per Almaty day).
export function dayOf(ms, timeZone) {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit",
  }).format(new Date(ms));
}

export const mealKey = (voucher, mealType) => `${voucher}:${mealType}`;

// The roster that applies to `day`: the day's own, or an earlier one of the same month
// (vouchers are monthly) whose meal-day flag we then do not trust.
export function usableRoster(roster, school, day) {
  if (!roster || roster.school !== school) return null;
  if (roster.date === day) return { ...roster, sameDay: true };
  if (roster.date.slice(0, 7) === day.slice(0, 7) && roster.date < day) {
    return { ...roster, sameDay: false };
  }
  return null;
}

// served: Set of mealKey()s already served on `day` (this terminal's scans and the roster's).
export async function decide({ text, keys, roster, school, day, atMs, served }) {
  const result = { local: "refused", code: "", voucher: null, mealType: "", pupil: "", klass: "" };
  let claims;
  try {
    claims = await verifyToken(text, keys, atMs);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    result.code = error.code;
    return result;
  }
  result.voucher = claims.voucher;
  result.mealType = claims.mealType;
  result.tokenId = claims.tokenId;
  if (claims.school !== school) {
    result.code = "wrong_school";
    return result;
  }
  if (atMs / 1000 < claims.iat - CLOCK_SKEW_S) {
    result.code = "scanned_at_before_issue";
    return result;
  }
  const list = usableRoster(roster, school, day);
  if (list) {
    const entry = list.byVoucher ? list.byVoucher.get(claims.voucher) : undefined;
    if (entry) {
      result.pupil = entry.pupil;
      result.klass = entry.class;
    }
    if (!entry || entry.meal_type !== claims.mealType) {
      result.code = "voucher_inactive";
      return result;
    }
    if (!list.operator_serves) {
      result.code = "wrong_school";
      return result;
    }
    if (list.sameDay && !list.meal_day) {
      result.code = "not_a_meal_day";
      return result;
    }
  }
  // Without a roster the signature alone speaks: a meal QR is only issued for an active
  // voucher, and lives 5 minutes. The server re-checks everything when the scan is sent.
  if (served.has(mealKey(claims.voucher, claims.mealType))) {
    result.code = "already_served_today";
    return result;
  }
  result.local = "served";
  return result;
}
