// The current display language and `t`, which reads it, so templates re-render on a switch.
import type { UiLanguage } from '../bindings';
import { format, type Locale } from './format';
import { en, sv, vocab, type MessageKey } from './messages';

export { format, type Locale };

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, sv };

/** The OS locale as the webview reports it: Swedish for any `sv*`, otherwise English. */
export function systemLocale(languages: readonly string[] = navigator.languages ?? [navigator.language]): Locale {
  return languages.some((l) => l.toLowerCase().startsWith('sv')) ? 'sv' : 'en';
}

const state = $state<{ locale: Locale }>({ locale: systemLocale() });

export function locale(): Locale {
  return state.locale;
}

export function applyLanguage(choice: UiLanguage): void {
  state.locale = choice === 'auto' ? systemLocale() : choice;
  document.documentElement.lang = state.locale;
}

export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  return format(catalogues[state.locale][key], vars, state.locale);
}

/** Translations of the closed vocabularies (channels, stages, error kinds, …). */
export function v() {
  return vocab[state.locale];
}
