/** The list of every `packbench` sub-command. */
import { hubCommand } from "../../hub/drivers/server/hubCommand.ts"
import type { Command } from "./Command.ts"
import { addressCommand } from "./commands/address.ts"
import { decodeCommand } from "./commands/decode.ts"
import { desktopCommand } from "./commands/desktop.ts"
import { doctorCommand } from "./commands/doctor.ts"
import { epcisCommand } from "./commands/epcis.ts"
import { eventsCommand } from "./commands/events.ts"
import { fleetSimulateCommand } from "./commands/fleetSimulate.ts"
import { labelCommand } from "./commands/label.ts"
import { outboxCommand } from "./commands/outbox.ts"
import { pinHashCommand } from "./commands/pinHash.ts"
import { scanCommand } from "./commands/scan.ts"
import { serveCommand } from "./commands/serve.ts"
import { simulateCommand } from "./commands/simulate.ts"
import { startCommand } from "./commands/start.ts"
import { stationCommand } from "./commands/station.ts"

/** Every `packbench` sub-command, in the order `packbench help` lists them. */
export const commands: ReadonlyArray<Command> = [
  startCommand,
  serveCommand,
  desktopCommand,
  doctorCommand,
  scanCommand,
  addressCommand,
  decodeCommand,
  labelCommand,
  outboxCommand,
  eventsCommand,
  epcisCommand,
  simulateCommand,
  fleetSimulateCommand,
  pinHashCommand,
  stationCommand,
  hubCommand
]
