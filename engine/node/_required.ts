// requiredProperty: a placeholder that a subclass (or a double-underscore override) must fill in.
import { DeployerException } from "../exceptions.ts";

/** The placeholder value; reading it on a node throws RequiredPropertyMissing. */
export class RequiredProperty {
  constructor(readonly description: string) {}
}

/** A required property that was read before anything filled it in. */
export class RequiredPropertyMissing extends DeployerException {
  override readonly code = "REQUIRED_PROPERTY";
  override name = "RequiredPropertyMissing";
  constructor(readonly node: string, readonly property: string, readonly description: string) {
    super(`required property "${property}" of ${node} is not set${description ? `: ${description}` : ""}`);
  }
}

/** Declare a field that subclasses must set: `repository = requiredProperty<string>("git URL")`. */
export function requiredProperty<T>(description = ""): T {
  return new RequiredProperty(description) as unknown as T;
}
