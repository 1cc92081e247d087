/** Plays the bench's error tone when a scan is refused. */
let context: AudioContext | undefined

/**
 * A short low double beep for a rejected scan, so the packer hears it without looking up. Browsers start audio
 * only after a user gesture; a scanner's key presses count, and a refused start is silent rather than an error.
 */
export const playErrorTone = (): void => {
  try {
    context ??= new AudioContext()
    const start = context.currentTime
    for (const offset of [0, 0.18]) {
      const oscillator = context.createOscillator()
      const gain = context.createGain()
      oscillator.type = "square"
      oscillator.frequency.value = 220
      gain.gain.setValueAtTime(0.2, start + offset)
      gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.14)
      oscillator.connect(gain).connect(context.destination)
      oscillator.start(start + offset)
      oscillator.stop(start + offset + 0.15)
    }
  } catch {
    // No audio device (or no permission): the red outcome panel still tells the packer.
  }
}
