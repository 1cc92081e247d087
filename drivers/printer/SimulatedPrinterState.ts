/** What the simulator pretends to be; `offline` refuses connections like a switched-off printer. */
export type SimulatedPrinterState = "online" | "paperOut" | "headOpen" | "paused" | "offline"
