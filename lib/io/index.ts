/** Reading and writing arrays in the file formats users move them in. */
export { loadNpy, loadNpySync, saveNpy, saveNpySync } from './npy';
