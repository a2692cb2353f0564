// Messages filled in: placeholders, numbers in the language's grouping, plural forms.

export type Locale = 'en' | 'sv';

/**
 * Fills `{name}` placeholders; numbers are written with the language's grouping ("100 000",
 * "100,000"). `{name|one form|other form}` picks the form the language's plural rules choose for
 * the number `name`, with `#` standing for it: `{count|# kontakt|# kontakter}`.
 */
export function format(
  template: string,
  vars: Record<string, string | number> = {},
  language: Locale,
): string {
  const written = (value: string | number) =>
    typeof value === 'number' ? new Intl.NumberFormat(language).format(value) : value;
  const plural = new Intl.PluralRules(language);
  return template
    .replace(/\{(\w+)\|([^|}]*)\|([^}]*)\}/g, (whole, name: string, one: string, other: string) => {
      const value = vars[name];
      if (typeof value !== 'number') return whole;
      return (plural.select(value) === 'one' ? one : other).replaceAll('#', written(value));
    })
    .replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? written(vars[name]!) : whole));
}

