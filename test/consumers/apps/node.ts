// A consumer's Node code, compiled without the DOM library, with strict flags and skipLibCheck off.
import { type CheckReport, NodeFile, QedFormatError, QedImage, nodeBackingResolver } from 'qedisk/node';

const image = QedImage.open(NodeFile.open('disk.qed', 'readwrite'), { resolveBacking: nodeBackingResolver('disk.qed') });
image.write(0, new Uint8Array(512));
const report: CheckReport = image.check();
export const clean: boolean = report.corruptions === 0 && !(report instanceof QedFormatError);
image.close();
